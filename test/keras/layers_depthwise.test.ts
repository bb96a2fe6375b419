/**
 * Depthwise and separable convolutions: the depthwiseConv2d op against a
 * direct float64 loop and finite differences, the wasm backend against the
 * reference, and the DepthwiseConv2D / SeparableConv2D layers against the
 * shapes, weights and parameter counts Keras 3 reports, saving, and training.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { currentBackend, setBackend } from "../../runtime/backend/registry";
import { keras, layers } from "../../runtime/keras/index";
import type { Layer } from "../../runtime/keras/index";
import { depthwiseConv2d } from "../../runtime/ops/depthwise";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { expectGradientsMatch } from "../runtime/gradcheck";

const initialBackend = currentBackend().name;
afterEach(() => setBackend(initialBackend));

/** tf.nn.depthwise_conv2d written as the definition: out[n, oy, ox, c*M+m] = sum over taps of x * filter[fy, fx, c, m]. */
function depthwiseByLoop(
  x: Tensor,
  f: Tensor,
  options: { strides: [number, number]; padding: "valid" | "same"; dilations: [number, number] },
): { shape: number[]; values: Float64Array } {
  const [n, h, w, c] = x.shape;
  const [kh, kw, , m] = f.shape;
  const xv = x.dataSync();
  const fv = f.dataSync();
  const axis = (size: number, k: number, s: number, d: number): [number, number] => {
    const span = (k - 1) * d + 1;
    if (options.padding === "valid") return [Math.floor((size - span) / s) + 1, 0];
    const out = Math.ceil(size / s);
    return [out, Math.floor(Math.max((out - 1) * s + span - size, 0) / 2)];
  };
  const [oh, top] = axis(h, kh, options.strides[0], options.dilations[0]);
  const [ow, left] = axis(w, kw, options.strides[1], options.dilations[1]);
  const values = new Float64Array(n * oh * ow * c * m);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ch = 0; ch < c; ch++)
          for (let k = 0; k < m; k++) {
            let total = 0;
            for (let fy = 0; fy < kh; fy++)
              for (let fx = 0; fx < kw; fx++) {
                const iy = oy * options.strides[0] - top + fy * options.dilations[0];
                const ix = ox * options.strides[1] - left + fx * options.dilations[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                total += xv[((b * h + iy) * w + ix) * c + ch] * fv[((fy * kw + fx) * c + ch) * m + k];
              }
            values[((b * oh + oy) * ow + ox) * c * m + ch * m + k] = total;
          }
  return { shape: [n, oh, ow, c * m], values };
}

const cases: [
  string,
  number[],
  number[],
  { strides: [number, number]; padding: "valid" | "same"; dilations: [number, number] },
][] = [
  ["3x3 valid, multiplier 1", [2, 6, 7, 3], [3, 3, 3, 1], { strides: [1, 1], padding: "valid", dilations: [1, 1] }],
  [
    "3x3 same, stride 2 on odd sizes, multiplier 2",
    [2, 7, 5, 3],
    [3, 3, 3, 2],
    { strides: [2, 2], padding: "same", dilations: [1, 1] },
  ],
  [
    "2x3 same, dilation 2, multiplier 3",
    [1, 6, 6, 2],
    [2, 3, 2, 3],
    { strides: [1, 1], padding: "same", dilations: [2, 2] },
  ],
  [
    "3x2 valid, strides [2, 1], multiplier 2",
    [1, 8, 5, 4],
    [3, 2, 4, 2],
    { strides: [2, 1], padding: "valid", dilations: [1, 1] },
  ],
];

describe("depthwiseConv2d (tf.nn.depthwise_conv2d)", () => {
  it.each(cases)("%s: equals the direct float64 sum, output channel c * M + m", (_, xShape, fShape, options) => {
    setBackend("reference");
    nn.seed(1);
    const x = nn.randn(xShape);
    const f = nn.randn(fShape);
    const expected = depthwiseByLoop(x, f, options);
    const y = depthwiseConv2d(x, f, options);
    expect(y.shape).toEqual(expected.shape);
    const got = y.dataSync();
    expected.values.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
  });

  it.each(cases)(
    "%s: gradients for input and filter match finite differences (reference backend)",
    (_, xShape, fShape, options) => {
      nn.seed(2);
      expectGradientsMatch((x, f) => depthwiseConv2d(x, f, options), [nn.randn(xShape), nn.randn(fShape)], {
        backend: "reference",
      });
    },
  );

  const accelerated = ["wasm", "gpujs"].flatMap((backend) =>
    cases.map(([name, xShape, fShape, options]) => [backend, name, xShape, fShape, options] as const),
  );
  it.each(accelerated)(
    "the %s backend's values and gradients agree with the reference: %s",
    (backend, _, xShape, fShape, options) => {
      nn.seed(3);
      const x = Float32Array.from(nn.randn(xShape).dataSync());
      const f = Float32Array.from(nn.randn(fShape).dataSync());
      const run = (name: string) => {
        setBackend(name);
        const xt = nn.tensor(x, xShape, { requiresGrad: true });
        const ft = nn.tensor(f, fShape, { requiresGrad: true });
        const y = depthwiseConv2d(xt, ft, options);
        nn.sum(nn.square(y)).backward();
        return [y.dataSync(), xt.grad!.dataSync(), ft.grad!.dataSync()].map((a) => Array.from(a));
      };
      const reference = run("reference");
      const accelerated = run(backend);
      expect(currentBackend().name).toBe(backend);
      accelerated.forEach((values, k) => values.forEach((v, i) => expect(v).toBeCloseTo(reference[k][i], 3)));
    },
  );

  it("names the op and both shapes when the filter's channels differ from the input's", () => {
    expect(() => depthwiseConv2d(nn.zeros([1, 5, 5, 3]), nn.zeros([3, 3, 4, 1]))).toThrow(
      "depthwiseConv2d: input [1,5,5,3] has 3 channels but filter [3,3,4,1] expects 4 (its third axis)",
    );
  });

  it("rejects a filter that is not [height, width, inChannels, multiplier]", () => {
    expect(() => depthwiseConv2d(nn.zeros([1, 5, 5, 3]), nn.zeros([3, 3, 3]))).toThrow(
      "depthwiseConv2d: filter [3,3,3] must have rank 4: [height, width, inChannels, channelMultiplier]",
    );
  });
});

/** [output shape, params, weight names and shapes] of `layer` applied to a symbolic input of `shape`. */
function probe(layer: Layer, shape: number[]): [(number | null)[], number, [string, number[]][]] {
  const out = layer(keras.Input({ shape }));
  return [[...out.shape], layer.countParams(), layer.weights.map((w) => [w.name, [...w.shape]])];
}

describe("DepthwiseConv2D and SeparableConv2D layers (Keras 3 shapes, weights, parameter counts)", () => {
  it("DepthwiseConv2D(3) on 32 channels: a kernel (3, 3, 32, 1) and a bias of 32, 320 parameters", () => {
    expect(probe(layers.DepthwiseConv2D(3), [10, 10, 32])).toEqual([
      [null, 8, 8, 32],
      320,
      [
        ["kernel", [3, 3, 32, 1]],
        ["bias", [32]],
      ],
    ]);
  });

  it("DepthwiseConv2D with depthMultiplier 2, stride 2 and same padding outputs channels * 2: 160 parameters on 8 channels", () => {
    const layer = layers.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: "same" });
    expect(probe(layer, [28, 28, 8])).toEqual([
      [null, 14, 14, 16],
      160,
      [
        ["kernel", [3, 3, 8, 2]],
        ["bias", [16]],
      ],
    ]);
  });

  it("DepthwiseConv2D with dilationRate 2 spans 5 pixels; useBias false leaves only the kernel", () => {
    expect(probe(layers.DepthwiseConv2D([3, 3], { dilationRate: 2, useBias: false }), [10, 10, 3])).toEqual([
      [null, 6, 6, 3],
      27,
      [["kernel", [3, 3, 3, 1]]],
    ]);
  });

  it("SeparableConv2D(64, 3) on 32 channels: 32*9 + 32*64 + 64 = 2,400 parameters", () => {
    expect(probe(layers.SeparableConv2D(64, 3), [16, 16, 32])).toEqual([
      [null, 14, 14, 64],
      2_400,
      [
        ["depthwise_kernel", [3, 3, 32, 1]],
        ["pointwise_kernel", [1, 1, 32, 64]],
        ["bias", [64]],
      ],
    ]);
  });

  it("SeparableConv2D with depthMultiplier 2 and no bias: pointwise kernel (1, 1, 8, 16), 200 parameters on 4 channels", () => {
    const layer = layers.SeparableConv2D(16, { kernelSize: 3, depthMultiplier: 2, padding: "same", useBias: false });
    expect(probe(layer, [10, 10, 4])).toEqual([
      [null, 10, 10, 16],
      200,
      [
        ["depthwise_kernel", [3, 3, 4, 2]],
        ["pointwise_kernel", [1, 1, 8, 16]],
      ],
    ]);
  });

  it("SeparableConv2D computes the depthwise step then a 1x1 convolution, bias and activation", () => {
    nn.seed(4);
    const layer = layers.SeparableConv2D(5, 3, {
      depthMultiplier: 2,
      strides: 2,
      padding: "same",
      activation: "relu",
      biasInitializer: "ones",
    });
    const x = nn.randn([2, 7, 7, 3]);
    const y = layer(x);
    const [depthwise, pointwise, bias] = layer.weights.map((w) => w.value);
    const mid = depthwiseConv2d(x, depthwise, { strides: 2, padding: "same" });
    const expected = nn
      .relu(nn.add(nn.matmul(mid.reshape([-1, 6]), pointwise.reshape([6, 5])), bias))
      .reshape([2, 4, 4, 5]);
    expect(y.shape).toEqual([2, 4, 4, 5]);
    const e = expected.dataSync();
    y.dataSync().forEach((v, i) => expect(v).toBeCloseTo(e[i], 4));
  });

  it("a flat input: the error names the layer, what it expects and the shape", () => {
    expect(() => layers.DepthwiseConv2D(3, { name: "dw" })(keras.Input({ shape: [784] }))).toThrow(
      'DepthwiseConv2D "dw" expects a 4-D input (batch, height, width, channels), but got input shape (None, 784)',
    );
  });

  it("an input smaller than the window: the error names the layer, the window and the input shape", () => {
    expect(() => layers.SeparableConv2D(8, 5, { name: "sep" })(keras.Input({ shape: [3, 3, 2] }))).toThrow(
      'SeparableConv2D "sep" with window 5x5 gives an empty output [-1,-1]; the input is too small, but got input shape (None, 3, 3, 2)',
    );
  });

  it("a built layer called with other channels: the error names the layer and both shapes", () => {
    const layer = layers.DepthwiseConv2D(3, { name: "dw2" });
    layer(keras.Input({ shape: [8, 8, 3] }));
    expect(() => layer(keras.Input({ shape: [8, 8, 4] }))).toThrow(
      'DepthwiseConv2D "dw2" was built for input (None, 8, 8, 3), but got input shape (None, 8, 8, 4)',
    );
  });

  it("rejects a missing kernelSize, a bad depthMultiplier, bad filters, and strides with dilation (as Keras does) with the layer's name", () => {
    expect(() => layers.DepthwiseConv2D({})).toThrow(
      "DepthwiseConv2D: kernelSize is required, e.g. DepthwiseConv2D(3) or DepthwiseConv2D({ kernelSize: [3, 3] })",
    );
    expect(() => layers.DepthwiseConv2D(3, { depthMultiplier: 0 })).toThrow(
      "DepthwiseConv2D: depthMultiplier must be a positive integer, got 0",
    );
    expect(() => layers.SeparableConv2D(0, 3)).toThrow("SeparableConv2D: filters must be a positive integer, got 0");
    expect(() => layers.SeparableConv2D(8, 3, { strides: 2, dilationRate: 2 })).toThrow(
      "SeparableConv2D: strides [2,2] > 1 cannot be combined with dilationRate [2,2] > 1, as in Keras; use one or the other",
    );
  });
});

describe("saving and training with separable convolutions", () => {
  it("save and loadModel restore both layers with their configs and bit-identical predictions", () => {
    nn.seed(5);
    const model = keras.Sequential([
      keras.Input({ shape: [9, 9, 3] }),
      layers.DepthwiseConv2D(3, {
        depthMultiplier: 2,
        padding: "same",
        activation: "relu",
        depthwiseRegularizer: keras.regularizers.l2(0.01),
      }),
      layers.SeparableConv2D(6, [3, 2], {
        strides: 2,
        dilationRate: 1,
        useBias: false,
        pointwiseInitializer: "he_normal",
      }),
      layers.Flatten(),
      layers.Dense(2),
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-depthwise-"));
    const file = path.join(dir, "separable.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel(file);
    expect(loaded.layers.map((l) => l.className)).toEqual(["DepthwiseConv2D", "SeparableConv2D", "Flatten", "Dense"]);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.randn([2, 9, 9, 3]);
    expect(loaded.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
  });

  it("a SeparableConv2D model learns to tell horizontal bars from vertical bars by fit", async () => {
    nn.seed(6);
    const { x, y } = barImages(96);
    const model = keras.Sequential([
      keras.Input({ shape: [8, 8, 1] }),
      layers.SeparableConv2D(8, 3, { depthMultiplier: 4, activation: "relu" }),
      layers.GlobalAveragePooling2D(),
      layers.Dense(2, { activation: "softmax" }),
    ]);
    model.compile({
      optimizer: keras.optimizers.Adam({ learningRate: 0.02 }),
      loss: "sparse_categorical_crossentropy",
      metrics: ["accuracy"],
    });
    const history = await model.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
    const loss = history.history.loss;
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] / 2);
    const accuracy = history.history.accuracy;
    expect(accuracy[accuracy.length - 1]).toBeGreaterThanOrEqual(0.95);
  });
});

/** 8x8 images, each a bar of length 5 at a random place: label 0 horizontal, 1 vertical, on faint noise. */
function barImages(count: number): { x: Tensor; y: Tensor } {
  const noise = nn.rand([count, 8, 8, 1]).dataSync();
  const positions = nn.randint(0, 4, [count, 2]).dataSync();
  const pixels = new Float32Array(count * 64);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % 2;
    labels[i] = label;
    const [a, b] = [positions[2 * i], positions[2 * i + 1] + 1];
    for (let p = 0; p < 64; p++) pixels[i * 64 + p] = 0.2 * noise[i * 64 + p];
    for (let k = 0; k < 5; k++) {
      const [row, col] = label === 0 ? [b + 1, a + k] : [a + k, b + 1];
      pixels[i * 64 + row * 8 + col] = 1;
    }
  }
  return { x: nn.tensor(pixels, [count, 8, 8, 1]), y: nn.tensor(labels, [count]) };
}
