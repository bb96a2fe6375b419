/**
 * viz.featureMapExplorer in plain Node: the pretrained TinyVGG on real MNIST digits and a Sequential lecture
 * CNN; the state each control selects (channel, filter, top images) checked against a direct computation.
 */
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { display, keras, layers, loadMnist, nn, viz } from "../../runtime";

const [, [digits]] = loadMnist({ train: 1, test: 12 });
/** Raw 0..255 pixels: TinyVGG rescales them itself. */
const images = digits.reshape([12, 28, 28, 1]);

describe("viz.featureMapExplorer", () => {
  it("on the pretrained TinyVGG: the chosen channel, its filter, and the images that activate it most", () => {
    const model = keras.applications.TinyVGG({ weights: "mnist" });
    const explorer = new viz.FeatureMapExplorer(model, images, { top: 4 });
    const names = explorer.layer.options.map((o) => o.value);
    expect(names.length).toBeGreaterThanOrEqual(4);
    expect(names.every((n) => /Conv|Pool/.test(model.getLayer(n).className))).toBe(true);

    const conv = names.find((n) => model.getLayer(n).className === "Conv2D")!;
    explorer.layer.value = conv;
    explorer.image.value = 3;
    explorer.channel.value = 5;
    const state = explorer.state();
    const [direct] = model.activations(images, [conv]);
    const [, h, w, c] = direct.shape;
    expect(explorer.channel.get("max")).toBe(c - 1);
    const data = direct.dataSync();
    expect(state.map[2][7]).toBeCloseTo(data[((3 * h + 2) * w + 7) * c + 5], 6);
    const kernel = model.getLayer(conv).getWeights()[0];
    const [kh, kw, inC, outC] = kernel.shape;
    expect([state.filter!.length, state.filter![0].length, state.filter![0][0].length]).toEqual([kh, kw, inC]);
    expect(state.filter![1][2][0]).toBeCloseTo(kernel.dataSync()[((1 * kw + 2) * inC + 0) * outC + 5], 7);

    const means = Array.from({ length: 12 }, (_, n) => {
      let s = 0;
      for (let p = 0; p < h * w; p++) s += data[(n * h * w + p) * c + 5];
      return [n, s / (h * w)] as const;
    }).sort((a, b) => b[1] - a[1]);
    expect(state.top.map((t) => t.image)).toEqual(means.slice(0, 4).map(([n]) => n));
    state.top.forEach((t, k) => expect(t.mean).toBeCloseTo(means[k][1], 5));
    expect(explorer.caption.value).toContain(`${conv} (Conv2D) channel 5, image 3`);

    const pool = names.find((n) => /Pool/.test(model.getLayer(n).className))!;
    explorer.layer.value = pool;
    expect(explorer.state().filter).toBeNull();
    expect(explorer.caption.value).toContain("no filter (pooling)");
    const bundle = display.bundleOf(explorer);
    const png = PNG.sync.read(Buffer.from(bundle["image/png"] as string, "base64"));
    expect(png.width).toBeGreaterThan(4 * 56);
    expect(bundle["text/plain"]).toMatch(/^FeatureMapExplorer: .*Pool.* channel /);
    expect(bundle["application/vnd.jupyter.widget-view+json"]).toMatchObject({ model_id: explorer.widget.modelId });
  });

  it("on a Sequential lecture CNN, the channel slider follows the chosen layer's channel count", () => {
    nn.seed(3);
    const model = keras.Sequential([
      keras.Input({ shape: [28, 28, 1] }),
      layers.Conv2D(4, 3, { activation: "relu" }),
      layers.MaxPooling2D(2),
      layers.Conv2D(6, 3, { activation: "relu" }),
      layers.Flatten(),
      layers.Dense(10, { activation: "softmax" }),
    ]);
    const explorer = new viz.FeatureMapExplorer(model, images);
    expect(explorer.layer.options.map((o) => model.getLayer(o.value).className)).toEqual([
      "Conv2D",
      "MaxPooling2D",
      "Conv2D",
    ]);
    expect(explorer.channel.get("max")).toBe(3);
    explorer.channel.value = 3;
    explorer.layer.index = 2;
    expect(explorer.channel.get("max")).toBe(5);
    expect(explorer.state()).toMatchObject({ channel: 3, className: "Conv2D" });
    expect(explorer.state().map).toHaveLength(11);
    expect(explorer.state().top).toHaveLength(5);
  });

  it("refuses a model without conv or pooling layers, naming its layers", () => {
    const model = keras.Sequential([keras.Input({ shape: [28, 28, 1] }), layers.Flatten(), layers.Dense(3)]);
    expect(() => new viz.FeatureMapExplorer(model, images)).toThrow(
      /viz.featureMapExplorer: the model has no convolution or pooling layer; layers are flatten.* \(Flatten\), dense.* \(Dense\)/,
    );
  });
});
