/**
 * The 1-D signal layers (Conv1D, 1-D pooling, UpSampling1D), global max
 * pooling, zero padding and cropping, and UpSampling2D's bilinear mode:
 * shapes and parameter counts as Keras 3 reports them, values worked out by
 * hand, build-time shape errors, save/load round trips, gradients against
 * finite differences on the float64 reference backend, the wasm backend
 * against the reference, and a Conv1D model that learns a sequence task.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { currentBackend, setBackend } from "../../runtime/backend/registry";
import { keras, layers } from "../../runtime/keras/index";
import type { Layer } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { expectLayerGradientsMatch } from "../sequence/support";

const initialBackend = currentBackend().name;
afterEach(() => setBackend(initialBackend));

/** [output shape, params] of `layer` applied to a symbolic input of `shape` (no batch axis). */
function probe(layer: Layer, shape: (number | null)[]): [(number | null)[], number] {
  const out = layer(keras.Input({ shape }));
  return [[...out.shape], layer.countParams()];
}

/** The layer's output for `values` of `shape`, as plain numbers. */
function run(layer: Layer, values: number[], shape: number[]): number[] {
  return Array.from(layer(nn.tensor(values, shape)).dataSync());
}

describe("output shapes and parameter counts match Keras 3's model.summary()", () => {
  const cases: [string, () => Layer, (number | null)[], (number | null)[], number][] = [
    ["Conv1D(32, 3) on (100, 16): 3*16*32 + 32", () => layers.Conv1D(32, 3), [100, 16], [null, 98, 32], 1_568],
    [
      "Conv1D(8, 5, strides 2, same)",
      () => layers.Conv1D(8, 5, { strides: 2, padding: "same" }),
      [50, 4],
      [null, 25, 8],
      168,
    ],
    [
      "Conv1D(4, 3, causal, dilationRate 2)",
      () => layers.Conv1D(4, { kernelSize: 3, padding: "causal", dilationRate: 2 }),
      [20, 1],
      [null, 20, 4],
      16,
    ],
    [
      "Conv1D(6, 3) without bias, variable length",
      () => layers.Conv1D(6, 3, { useBias: false }),
      [null, 2],
      [null, null, 6],
      36,
    ],
    ["MaxPooling1D() on 11 steps", () => layers.MaxPooling1D(), [11, 3], [null, 5, 3], 0],
    [
      "AveragePooling1D(3, strides 2, same)",
      () => layers.AveragePooling1D({ poolSize: 3, strides: 2, padding: "same" }),
      [9, 2],
      [null, 5, 2],
      0,
    ],
    ["GlobalAveragePooling1D", () => layers.GlobalAveragePooling1D(), [7, 5], [null, 5], 0],
    [
      "GlobalAveragePooling1D keepdims",
      () => layers.GlobalAveragePooling1D({ keepdims: true }),
      [7, 5],
      [null, 1, 5],
      0,
    ],
    ["GlobalMaxPooling1D", () => layers.GlobalMaxPooling1D(), [7, 5], [null, 5], 0],
    ["GlobalMaxPooling2D", () => layers.GlobalMaxPooling2D(), [8, 8, 3], [null, 3], 0],
    ["GlobalMaxPooling2D keepdims", () => layers.GlobalMaxPooling2D({ keepdims: true }), [8, 8, 3], [null, 1, 1, 3], 0],
    ["UpSampling1D(3)", () => layers.UpSampling1D(3), [4, 2], [null, 12, 2], 0],
    ["ZeroPadding1D() (1 each side)", () => layers.ZeroPadding1D(), [10, 3], [null, 12, 3], 0],
    ["ZeroPadding1D([2, 3])", () => layers.ZeroPadding1D([2, 3]), [10, 3], [null, 15, 3], 0],
    ["ZeroPadding2D() (1 each side)", () => layers.ZeroPadding2D(), [28, 28, 1], [null, 30, 30, 1], 0],
    ["ZeroPadding2D([2, 1])", () => layers.ZeroPadding2D([2, 1]), [5, 5, 2], [null, 9, 7, 2], 0],
    [
      "ZeroPadding2D([[1, 2], [3, 4]])",
      () =>
        layers.ZeroPadding2D({
          padding: [
            [1, 2],
            [3, 4],
          ],
        }),
      [5, 5, 2],
      [null, 8, 12, 2],
      0,
    ],
    ["Cropping1D() (1 each side)", () => layers.Cropping1D(), [10, 3], [null, 8, 3], 0],
    ["Cropping1D([2, 3])", () => layers.Cropping1D({ cropping: [2, 3] }), [10, 3], [null, 5, 3], 0],
    ["Cropping2D() (nothing)", () => layers.Cropping2D(), [6, 6, 1], [null, 6, 6, 1], 0],
    ["Cropping2D(2)", () => layers.Cropping2D(2), [28, 28, 1], [null, 24, 24, 1], 0],
    [
      "Cropping2D([[1, 2], [3, 4]])",
      () =>
        layers.Cropping2D([
          [1, 2],
          [3, 4],
        ]),
      [10, 10, 3],
      [null, 7, 3, 3],
      0,
    ],
    [
      "UpSampling2D(2, bilinear)",
      () => layers.UpSampling2D(2, { interpolation: "bilinear" }),
      [4, 5, 3],
      [null, 8, 10, 3],
      0,
    ],
  ];
  for (const [what, make, input, output, params] of cases) {
    it(`${what}: ${JSON.stringify(output)}, ${params} params`, () => {
      expect(probe(make(), input)).toEqual([output, params]);
    });
  }

  it("Conv1D's kernel is [kernelSize, inChannels, filters] and its bias [filters], as Keras's", () => {
    const conv = layers.Conv1D(5, 3);
    probe(conv, [10, 2]);
    expect(conv.weights.map((w) => [w.name, [...w.shape]])).toEqual([
      ["kernel", [3, 2, 5]],
      ["bias", [5]],
    ]);
  });
});

describe("values", () => {
  /** A single-channel Conv1D with kernel `taps` and no bias. */
  function conv1d(taps: number[], options: Parameters<typeof layers.Conv1D>[2] = {}): Layer {
    const conv = layers.Conv1D(1, taps.length, { useBias: false, ...options });
    probe(conv, [null, 1]);
    conv.setWeights([nn.tensor(taps, [taps.length, 1, 1])]);
    return conv;
  }

  it("Conv1D slides its kernel over the steps (cross-correlation, valid)", () => {
    expect(run(conv1d([1, 10]), [1, 2, 3, 4], [1, 4, 1])).toEqual([21, 32, 43]);
  });

  it("Conv1D 'causal' pads only the start: output t sees inputs up to t", () => {
    expect(run(conv1d([1, 10], { padding: "causal" }), [1, 2, 3, 4], [1, 4, 1])).toEqual([10, 21, 32, 43]);
    expect(run(conv1d([1, 10], { padding: "causal", dilationRate: 2 }), [1, 2, 3, 4], [1, 4, 1])).toEqual([
      10, 20, 31, 42,
    ]);
  });

  it("Conv1D 'same' with strides 2 keeps ceil(steps / 2) outputs, padding the end first (TensorFlow's rule)", () => {
    expect(run(conv1d([1, 10], { padding: "same", strides: 2 }), [1, 2, 3, 4, 5], [1, 5, 1])).toEqual([21, 43, 5]);
  });

  it("MaxPooling1D and AveragePooling1D take each window's maximum and mean; 'same' averages only real steps", () => {
    expect(run(layers.MaxPooling1D(2), [1, 5, 3, 2, 9], [1, 5, 1])).toEqual([5, 3]);
    expect(run(layers.AveragePooling1D({ poolSize: 2, padding: "same" }), [1, 2, 3, 4, 5], [1, 5, 1])).toEqual([
      1.5, 3.5, 5,
    ]);
  });

  it("the global poolings reduce every step or pixel per channel", () => {
    const seq = [1, -1, 4, 0, 2, 7];
    expect(run(layers.GlobalMaxPooling1D(), seq, [1, 3, 2])).toEqual([4, 7]);
    run(layers.GlobalAveragePooling1D(), seq, [1, 3, 2]).forEach((v, i) => expect(v).toBeCloseTo([7 / 3, 2][i], 6));
    expect(run(layers.GlobalMaxPooling2D(), [1, -1, 4, 0, 2, 7, 3, 3], [1, 2, 2, 2])).toEqual([4, 7]);
  });

  it("UpSampling1D repeats each step", () => {
    expect(run(layers.UpSampling1D(2), [1, 2, 3, 4], [1, 2, 2])).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
  });

  it("ZeroPadding2D surrounds the image with zeros and Cropping2D cuts the same margins back off", () => {
    const image = [1, 2, 3, 4];
    const padded = run(
      layers.ZeroPadding2D([
        [1, 0],
        [0, 1],
      ]),
      image,
      [1, 2, 2, 1],
    );
    expect(padded).toEqual([0, 0, 0, 1, 2, 0, 3, 4, 0]);
    expect(
      run(
        layers.Cropping2D([
          [1, 0],
          [0, 1],
        ]),
        padded,
        [1, 3, 3, 1],
      ),
    ).toEqual(image);
    expect(run(layers.ZeroPadding1D([1, 2]), [5, 6], [1, 2, 1])).toEqual([0, 5, 6, 0, 0]);
    expect(run(layers.Cropping1D([1, 2]), [1, 2, 3, 4, 5], [1, 5, 1])).toEqual([2, 3]);
  });

  // tf.image.resize (bilinear, half_pixel_centers): output i samples input (i + 0.5) / factor - 0.5, clamped at the edges.
  it("UpSampling2D bilinear doubles [0, 1, 2] into [0, 0.25, 0.75, 1.25, 1.75, 2] (half-pixel centres, edges clamped)", () => {
    const up = layers.UpSampling2D({ size: [1, 2], interpolation: "bilinear" });
    expect(run(up, [0, 1, 2], [1, 1, 3, 1])).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2]);
  });

  it("UpSampling2D bilinear triples [0, 3] into [0, 0, 1, 2, 3, 3]", () => {
    const out = run(layers.UpSampling2D({ size: [3, 1], interpolation: "bilinear" }), [0, 3], [1, 2, 1, 1]);
    out.forEach((v, i) => expect(v).toBeCloseTo([0, 0, 1, 2, 3, 3][i], 6));
  });

  it("UpSampling2D bilinear on a 2x2 image interpolates rows and columns independently", () => {
    const out = run(layers.UpSampling2D(2, { interpolation: "bilinear" }), [0, 1, 2, 3], [1, 2, 2, 1]);
    expect(out).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });
});

describe("build-time shape errors name the layer and the shapes", () => {
  it("a 1-D layer given an image says it expects (batch, steps, channels)", () => {
    expect(() => layers.Conv1D(4, 3, { name: "c1" })(keras.Input({ shape: [28, 28, 1] }))).toThrow(
      'Conv1D "c1" expects a 3-D input (batch, steps, channels), but got input shape (None, 28, 28, 1)',
    );
    expect(() => layers.GlobalMaxPooling1D()(keras.Input({ shape: [4, 4, 1] }))).toThrow(
      /GlobalMaxPooling1D .*3-D input.*\(None, 4, 4, 1\)/,
    );
  });

  it("a 2-D layer given a sequence says it expects (batch, height, width, channels)", () => {
    expect(() => layers.ZeroPadding2D()(keras.Input({ shape: [10, 3] }))).toThrow(
      /ZeroPadding2D .*4-D input.*\(None, 10, 3\)/,
    );
    expect(() => layers.GlobalMaxPooling2D()(keras.Input({ shape: [10, 3] }))).toThrow(
      /GlobalMaxPooling2D .*4-D input.*\(None, 10, 3\)/,
    );
  });

  it("a window longer than the sequence, or cropping everything away, is refused", () => {
    expect(() => layers.Conv1D(4, 5)(keras.Input({ shape: [3, 2] }))).toThrow(
      /Conv1D .*window 5 .*empty output.*\(None, 3, 2\)/,
    );
    expect(() => layers.MaxPooling1D(4)(keras.Input({ shape: [3, 2] }))).toThrow(
      /MaxPooling1D .*window 4.*\(None, 3, 2\)/,
    );
    expect(() =>
      layers.Cropping2D([
        [2, 2],
        [0, 0],
      ])(keras.Input({ shape: [4, 5, 1] })),
    ).toThrow(/Cropping2D .*leaves nothing.*\(None, 4, 5, 1\)/);
  });

  it("a built Conv1D called on another channel count names the shape it was built for and the one it got", () => {
    const conv = layers.Conv1D(2, 3, { name: "c2" });
    conv(keras.Input({ shape: [10, 3] }));
    expect(() => conv(keras.Input({ shape: [10, 4] }))).toThrow(
      'Conv1D "c2" was built for input (None, 10, 3), but got input shape (None, 10, 4)',
    );
  });

  it("bad options are refused when the layer is made", () => {
    expect(() => layers.Conv1D(4, [3, 3])).toThrow(/Conv1D: kernelSize must be a positive integer/);
    expect(() => layers.Conv1D(4, 3, { padding: "full" as "same" })).toThrow(
      /Conv1D: padding must be "valid", "same" or "causal"/,
    );
    expect(() => layers.Conv1D(4, 3, { strides: 2, dilationRate: 2 })).toThrow(
      /Conv1D: strides 2 with dilationRate 2 is not supported/,
    );
    expect(() => layers.ZeroPadding2D([1, 2, 3])).toThrow(/ZeroPadding2D: padding must be/);
    expect(() => layers.Cropping1D(-1)).toThrow(/Cropping1D: cropping must be a non-negative integer/);
    expect(() => layers.UpSampling2D(2, { interpolation: "bicubic" as "bilinear" })).toThrow(/"nearest" or "bilinear"/);
  });
});

describe("save and loadModel", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-1d-"));

  it("restore a 1-D model of every new sequence layer with identical predictions", () => {
    nn.seed(3);
    const model = keras.Sequential([
      keras.Input({ shape: [12, 2] }),
      layers.ZeroPadding1D([1, 2]),
      layers.Conv1D(4, 3, { padding: "causal", dilationRate: 2, activation: "relu" }),
      layers.Cropping1D([1, 0]),
      layers.MaxPooling1D({ poolSize: 2, padding: "same" }),
      layers.UpSampling1D(2),
      layers.AveragePooling1D(3, { strides: 2 }),
      layers.Conv1D(3, { kernelSize: 2, strides: 2, padding: "same", useBias: false }),
      layers.GlobalMaxPooling1D({ keepdims: true }),
      layers.GlobalAveragePooling1D(),
    ]);
    const file = path.join(dir, "seq.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel(file);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.randn([3, 12, 2]);
    expect(loaded.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
  });

  it("restore a 2-D model with padding, cropping, bilinear upsampling and global max pooling", () => {
    nn.seed(4);
    const model = keras.Sequential([
      keras.Input({ shape: [6, 6, 1] }),
      layers.ZeroPadding2D([
        [1, 2],
        [0, 1],
      ]),
      layers.Conv2D(2, 3),
      layers.UpSampling2D(2, { interpolation: "bilinear" }),
      layers.Cropping2D([1, 2]),
      layers.GlobalMaxPooling2D(),
    ]);
    const file = path.join(dir, "image.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel(file);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.randn([2, 6, 6, 1]);
    expect(loaded.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
  });
});

/** Each layer with an input shape (batch included) small enough for finite differences. */
const gradientCases: [string, () => Layer, number[]][] = [
  ["Conv1D valid", () => layers.Conv1D(3, 3, { activation: "tanh" }), [2, 7, 2]],
  ["Conv1D same, strides 2", () => layers.Conv1D(2, 3, { strides: 2, padding: "same" }), [2, 7, 2]],
  ["Conv1D causal, dilation 2", () => layers.Conv1D(2, 2, { padding: "causal", dilationRate: 2 }), [2, 6, 3]],
  ["MaxPooling1D same", () => layers.MaxPooling1D({ poolSize: 3, strides: 2, padding: "same" }), [2, 7, 2]],
  ["AveragePooling1D", () => layers.AveragePooling1D(2), [2, 7, 2]],
  ["GlobalAveragePooling1D", () => layers.GlobalAveragePooling1D(), [2, 5, 3]],
  ["GlobalMaxPooling1D", () => layers.GlobalMaxPooling1D(), [2, 5, 3]],
  ["GlobalMaxPooling2D keepdims", () => layers.GlobalMaxPooling2D({ keepdims: true }), [2, 3, 3, 2]],
  ["UpSampling1D", () => layers.UpSampling1D(3), [2, 3, 2]],
  ["ZeroPadding1D", () => layers.ZeroPadding1D([2, 1]), [2, 3, 2]],
  [
    "ZeroPadding2D",
    () =>
      layers.ZeroPadding2D([
        [1, 2],
        [0, 1],
      ]),
    [2, 3, 3, 2],
  ],
  ["Cropping1D", () => layers.Cropping1D([1, 2]), [2, 6, 2]],
  [
    "Cropping2D",
    () =>
      layers.Cropping2D([
        [1, 0],
        [1, 2],
      ]),
    [2, 4, 5, 2],
  ],
  ["UpSampling2D bilinear", () => layers.UpSampling2D([2, 3], { interpolation: "bilinear" }), [2, 3, 2, 2]],
];

/** A built layer and an input for it, on the current backend. */
function prepared(make: () => Layer, shape: number[], seed: number): [Layer, Tensor] {
  nn.seed(seed);
  const layer = make();
  const x = nn.randn(shape);
  layer(x);
  return [layer, x];
}

describe("gradients match finite differences (float64 reference backend)", () => {
  gradientCases.forEach(([what, make, shape], k) => {
    it(`${what}: d(output)/d(input and weights)`, () => {
      setBackend("reference");
      const [layer, x] = prepared(make, shape, 100 + k);
      expectLayerGradientsMatch(layer, [x], (input) => layer(input), { backend: "reference" });
    });
  });
});

describe("the wasm backend agrees with the reference", () => {
  gradientCases.forEach(([what, make, shape], k) => {
    it(`${what}: output and gradients for input and weights`, () => {
      setBackend("reference");
      const [layer, x] = prepared(make, shape, 200 + k);
      const values = x.dataSync();
      const results = ["reference", "wasm"].map((name) => {
        setBackend(name);
        const input = nn.tensor(Float32Array.from(values), shape);
        const out = layer(input);
        const projected = () => nn.sum(nn.mul(layer(input), nn.linspace(0.5, 1.5, out.size).reshape(out.shape)));
        return [out, ...nn.grad(projected, [input, ...layer.weights])].map((t) => Array.from(t.dataSync()));
      });
      const [reference, wasm] = results;
      reference.forEach((want, i) =>
        want.forEach((v, j) =>
          expect(Math.abs(wasm[i][j] - v), `tensor ${i}[${j}]`).toBeLessThan(1e-5 + 1e-4 * Math.abs(v)),
        ),
      );
    });
  });
});

describe("a Conv1D model learns a sequence task with fit", () => {
  it("tells sequences holding a rising ramp apart from noise (>= 95% training accuracy after 30 epochs)", async () => {
    nn.seed(7);
    const steps = 16;
    const count = 128;
    const values = new Float32Array(count * steps);
    const labels: number[] = [];
    let state = 12345;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let s = 0; s < count; s++) {
      for (let t = 0; t < steps; t++) values[s * steps + t] = (random() - 0.5) * 0.6;
      const label = s % 2;
      if (label === 1) {
        const at = Math.floor(random() * (steps - 3));
        [-1, 0, 1].forEach((v, i) => (values[s * steps + at + i] = v));
      }
      labels.push(label);
    }
    const model = keras.Sequential([
      keras.Input({ shape: [steps, 1] }),
      layers.Conv1D(4, 3, { activation: "tanh" }),
      layers.GlobalMaxPooling1D(),
      layers.Dense(1, { activation: "sigmoid" }),
    ]);
    model.compile({
      optimizer: keras.optimizers.Adam({ learningRate: 0.01 }),
      loss: "binary_crossentropy",
      metrics: ["accuracy"],
    });
    const x = nn.tensor(values, [count, steps, 1]);
    const y = nn.tensor(labels, [count, 1]);
    const history = await model.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
    const accuracy = history.history.accuracy;
    expect(accuracy[accuracy.length - 1]).toBeGreaterThanOrEqual(0.95);
    expect(history.history.loss[29]).toBeLessThan(history.history.loss[0] / 4);
  });
});
