import { describe, expect, it } from "vitest";
import { colorAt } from "../../runtime/viz/colormap";
import { featureMaps } from "../../runtime/viz/feature_maps";
import { lineHeight, textWidth } from "../../runtime/viz/font";
import { GRID } from "../../runtime/viz/grid";
import type { ActivationModel, TensorLike } from "../../runtime/viz/types";
import { decodePng, fakeTensor, findColorbar } from "./decode";

const { MARGIN, GAP, TEXT_SCALE, HEADER_SCALE, TITLE_GAP } = GRID;
const TEXT_H = lineHeight(TEXT_SCALE);
const HEADER_H = lineHeight(HEADER_SCALE);

/** A model whose conv layer outputs [1, 2, 2, 3]: channel c holds c at every pixel, except pixel 0 of channel 0 is 6. */
function fakeModel(asked: string[][] = []): ActivationModel {
  const conv = Array.from({ length: 12 }, (_, i) => (i === 0 ? 6 : i % 3));
  return {
    layers: [
      { name: "conv2d", className: "Conv2D" },
      { name: "flatten", className: "Flatten" },
      { name: "dense", className: "Dense" },
    ],
    activations(_input: TensorLike, names: readonly string[]) {
      asked.push([...names]);
      return names.map((n) => (n === "conv2d" ? fakeTensor([1, 2, 2, 3], conv) : fakeTensor([1, 4], [0, 1, 2, 3])));
    },
  };
}

describe("viz.featureMaps", () => {
  const input = fakeTensor([28, 28, 1], new Float32Array(784));

  it("shows every image-shaped layer by default, one tile per channel on one colour scale", () => {
    const asked: string[][] = [];
    const output = featureMaps(fakeModel(asked), input);
    expect(asked).toEqual([["conv2d", "flatten", "dense"]]);
    expect(String(output)).toBe("viz.featureMaps: 1 layer\n  conv2d: 2x2x3, values 0 to 6");
    const png = decodePng(output.bundle());
    // 2x2 maps are upscaled to 56 pixels (28x); tiles sit under the header and their titles.
    const top = MARGIN + HEADER_H + GAP + TEXT_H + TITLE_GAP;
    const tileX = (c: number) => MARGIN + c * (56 + GAP);
    expect(png.rgb(tileX(0), top)).toEqual([...colorAt("viridis", 1)]);
    expect(png.rgb(tileX(0) + 55, top + 55)).toEqual([...colorAt("viridis", 0)]);
    expect(png.rgb(tileX(1), top + 30)).toEqual([...colorAt("viridis", 1 / 6)]);
    expect(png.rgb(tileX(2) + 55, top)).toEqual([...colorAt("viridis", 2 / 6)]);
  });

  it("titles each layer with its name and shape above its tiles", () => {
    const png = decodePng(featureMaps(fakeModel(), input).bundle());
    let ink = 0;
    for (let y = MARGIN; y < MARGIN + HEADER_H; y++)
      for (let x = MARGIN; x < png.width / 2; x++) if (png.rgb(x, y)[0] < 100) ink++;
    expect(ink).toBeGreaterThan(160);
  });

  it("draws a colorbar beside each layer's tiles when channels share one scale", () => {
    const png = decodePng(featureMaps(fakeModel(), input).bundle());
    const barH = png.height - 2 * MARGIN;
    expect(findColorbar(png, MARGIN, barH, [colorAt("viridis", 1), colorAt("viridis", 0)])).toBeGreaterThan(3 * 56);
  });

  it("stretches each channel to its own range with normalize: channel, without a colorbar", () => {
    const png = decodePng(featureMaps(fakeModel(), input, { normalize: "channel", maxChannels: 2 }).bundle());
    const top = MARGIN + HEADER_H + GAP + TEXT_H + TITLE_GAP;
    // The header "conv2d (2x2x3)" is wider than two tiles and sets the width: no colorbar beside.
    expect(png.width).toBe(2 * MARGIN + textWidth("conv2d (2x2x3)", HEADER_SCALE));
    expect(png.width).toBeGreaterThan(2 * MARGIN + 2 * 56 + GAP);
    expect(findColorbar(png, MARGIN, png.height - 2 * MARGIN, [colorAt("viridis", 1), colorAt("viridis", 0)])).toBe(-1);
    // Channel 1 is constant: a flat range is drawn mid-scale.
    expect(png.rgb(MARGIN + 56 + GAP, top)).toEqual([...colorAt("viridis", 0.5)]);
  });

  it("shows a Dense layer named explicitly as a strip of its units", () => {
    const output = featureMaps(fakeModel(), input, { layers: ["dense"] });
    expect(String(output)).toBe("viz.featureMaps: 1 layer\n  dense: 4, values 0 to 3");
    expect(decodePng(output.bundle()).width).toBeGreaterThan(4 * 100);
  });

  it("keeps at most maxChannels tiles and says so", () => {
    expect(String(featureMaps(fakeModel(), input, { maxChannels: 2 }))).toContain("2 of 3 channels shown");
  });

  it("names the layers the model has when a layer is not found", () => {
    expect(() => featureMaps(fakeModel(), input, { layers: ["conv"] })).toThrow(
      'viz.featureMaps: no layer named "conv"; layers are conv2d, flatten, dense',
    );
    expect(() => featureMaps(fakeModel(), input, { layers: [7] })).toThrow(
      "layer index 7 is out of range; the model has 3 layers",
    );
  });
});
