/**
 * The merge and simple layers (Multiply, Subtract, Average, Maximum, Minimum,
 * Dot, ReLU, Softmax, ELU, Rescaling, Permute, RepeatVector, Lambda,
 * GaussianNoise, GaussianDropout, SpatialDropout1D/2D): output shapes as
 * Keras 3 reports them for the same configuration, values against results
 * worked by hand, gradients against float64 finite differences, noise only
 * while training, and save/load round trips.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { Layer } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { expectLayerGradientsMatch } from "../sequence/support";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-merge-simple-"));

/** The symbolic output shape and parameter count of `layer` on inputs of these shapes (no batch axis). */
function probe(layer: Layer, ...shapes: (number | null)[][]): [(number | null)[], number] {
  const inputs = shapes.map((shape) => keras.Input({ shape }));
  const out = inputs.length === 1 ? layer(inputs[0]) : layer(inputs);
  return [[...out.shape], layer.countParams()];
}

function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

function expectClose(got: Tensor, want: number[], digits = 5): void {
  const v = values(got);
  expect(v.length).toBe(want.length);
  v.forEach((x, i) => expect(x, `element ${i}`).toBeCloseTo(want[i], digits));
}

describe("output shapes and parameter counts match Keras 3", () => {
  const cases: [string, () => Layer, (number | null)[][], (number | null)[]][] = [
    ["Multiply of two (None, 3)", () => layers.Multiply(), [[3], [3]], [null, 3]],
    [
      "Subtract of two (None, 4, 2)",
      () => layers.Subtract(),
      [
        [4, 2],
        [4, 2],
      ],
      [null, 4, 2],
    ],
    ["Average of three (None, 5)", () => layers.Average(), [[5], [5], [5]], [null, 5]],
    [
      "Maximum of two (None, 8, 8, 3)",
      () => layers.Maximum(),
      [
        [8, 8, 3],
        [8, 8, 3],
      ],
      [null, 8, 8, 3],
    ],
    ["Minimum of two (None, 6)", () => layers.Minimum(), [[6], [6]], [null, 6]],
    ["Dot(1) of two (None, 4): one score per example", () => layers.Dot(1), [[4], [4]], [null, 1]],
    [
      "Dot([2, 2]) of (None, 5, 3) and (None, 7, 3): attention scores",
      () => layers.Dot([2, 2]),
      [
        [5, 3],
        [7, 3],
      ],
      [null, 5, 7],
    ],
    [
      "Dot({ axes: 1 }) of (None, 5, 3) and (None, 5, 4)",
      () => layers.Dot({ axes: 1 }),
      [
        [5, 3],
        [5, 4],
      ],
      [null, 3, 4],
    ],
    [
      "Dot([1, 2]) of (None, 5, 3) and (None, 2, 5)",
      () => layers.Dot([1, 2]),
      [
        [5, 3],
        [2, 5],
      ],
      [null, 3, 2],
    ],
    ["Dot(-1) of (None, 4) and (None, 6, 4)", () => layers.Dot(-1), [[4], [6, 4]], [null, 6]],
    ["ReLU(6)", () => layers.ReLU(6), [[10]], [null, 10]],
    ["Softmax({ axis: 1 })", () => layers.Softmax({ axis: 1 }), [[3, 4]], [null, 3, 4]],
    ["ELU()", () => layers.ELU(), [[7]], [null, 7]],
    ["Rescaling(1 / 255) on images", () => layers.Rescaling(1 / 255), [[28, 28, 1]], [null, 28, 28, 1]],
    ["Permute([2, 1]) on (None, 10, 64)", () => layers.Permute([2, 1]), [[10, 64]], [null, 64, 10]],
    ["Permute([3, 1, 2]) on (None, 4, 5, 6)", () => layers.Permute([3, 1, 2]), [[4, 5, 6]], [null, 6, 4, 5]],
    ["RepeatVector(3) on (None, 32)", () => layers.RepeatVector(3), [[32]], [null, 3, 32]],
    ["Lambda squaring, shape from a probe", () => layers.Lambda((x) => x.square()), [[4, 2]], [null, 4, 2]],
    ["Lambda summing axis 1, shape from a probe", () => layers.Lambda((x) => x.sum(1)), [[4, 2]], [null, 2]],
    ["GaussianNoise(0.1)", () => layers.GaussianNoise(0.1), [[12]], [null, 12]],
    ["GaussianDropout(0.3)", () => layers.GaussianDropout(0.3), [[12]], [null, 12]],
    ["SpatialDropout1D(0.2) on (None, 10, 16)", () => layers.SpatialDropout1D(0.2), [[10, 16]], [null, 10, 16]],
    ["SpatialDropout2D(0.2) on (None, 8, 8, 16)", () => layers.SpatialDropout2D(0.2), [[8, 8, 16]], [null, 8, 8, 16]],
  ];
  for (const [what, make, inputs, output] of cases) {
    it(`${what}: ${JSON.stringify(output)}, 0 params`, () => {
      expect(probe(make(), ...inputs)).toEqual([output, 0]);
    });
  }

  it("Lambda takes its output shape from outputShape when the probe cannot run (unknown steps)", () => {
    const fixed = layers.Lambda((x) => x.sum(1), { outputShape: [3] });
    expect(probe(fixed, [null, 3])).toEqual([[null, 3], 0]);
    const computed = layers.Lambda(([a, b]) => a.add(b), {
      outputShape: (shapes) => (shapes as (number | null)[][])[0],
    });
    expect(probe(computed, [null, 3], [null, 3])).toEqual([[null, null, 3], 0]);
    expect(() => layers.Lambda((x) => x, { name: "f" })(keras.Input({ shape: [null, 3] }))).toThrow(
      /Lambda "f": cannot infer the output shape for input \(None, None, 3\)/,
    );
  });

  it("are the same callables under keras.layers and layers, with Keras's snake_case names", () => {
    expect(keras.layers.Multiply).toBe(layers.Multiply);
    expect(keras.layers.SpatialDropout2D).toBe(layers.SpatialDropout2D);
    keras.backend.clearSession();
    expect([
      layers.ReLU().name,
      layers.RepeatVector(2).name,
      layers.SpatialDropout1D(0.1).name,
      layers.Dot(1).name,
    ]).toEqual(["re_lu", "repeat_vector", "spatial_dropout1d", "dot"]);
  });
});

describe("values match hand-computed results", () => {
  const a = nn.tensor([
    [1, 2],
    [3, 4],
  ]);
  const b = nn.tensor([
    [5, 6],
    [7, 8],
  ]);
  const c = nn.tensor([
    [-1, 10],
    [0, 1],
  ]);

  it("Multiply, Subtract, Average, Maximum and Minimum combine value by value", () => {
    expectClose(layers.Multiply()([a, b, c]), [-5, 120, 0, 32]);
    expectClose(layers.Subtract()([a, b]), [-4, -4, -4, -4]);
    expectClose(layers.Average()([a, b, c]), [5 / 3, 6, 10 / 3, 13 / 3]);
    expectClose(layers.Maximum()([a, b, c]), [5, 10, 7, 8]);
    expectClose(layers.Minimum()([a, b, c]), [-1, 2, 0, 1]);
  });

  it("a batch of one broadcasts against a full batch, as Keras's merge layers", () => {
    expectClose(layers.Multiply()([nn.tensor([[2, 3]]), b]), [10, 18, 14, 24]);
  });

  it("Dot(1) gives each example's dot product, and cosine similarity with normalize", () => {
    const x = nn.tensor([
      [1, 2, 3],
      [1, 0, 0],
    ]);
    const y = nn.tensor([
      [4, 5, 6],
      [0, 2, 0],
    ]);
    expectClose(layers.Dot(1)([x, y]), [32, 0]);
    expectClose(layers.Dot(1, { normalize: true })([x, y]), [32 / Math.sqrt(14 * 77), 0]);
    expectClose(layers.Dot({ axes: -1, normalize: true })([nn.tensor([[0, 0]]), nn.tensor([[1, 1]])]), [0]);
  });

  it("Dot([2, 2]) on rank-3 inputs is a per-example x @ y^T, and Dot([1, 1]) a per-example x^T @ y", () => {
    const x = nn.tensor([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
    ]);
    const y = nn.tensor([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    expectClose(layers.Dot([2, 2])([x, y]), [1, 2, 3, 4, 5, 6]);
    const z = nn.tensor([[[1], [1], [2]]]);
    const out = layers.Dot([1, 1])([x, z]);
    expect(out.shape).toEqual([1, 2, 1]);
    expectClose(out, [1 + 3 + 10, 2 + 4 + 12]);
  });

  it("ReLU caps at maxValue, keeps x from the threshold, and scales x - threshold below it", () => {
    const x = nn.tensor([[-2, 0, 1, 3, 8]]);
    expectClose(layers.ReLU()(x), [0, 0, 1, 3, 8]);
    expectClose(layers.ReLU(6)(x), [0, 0, 1, 3, 6]);
    expectClose(layers.ReLU({ maxValue: 6, negativeSlope: 0.1, threshold: 1 })(x), [-0.3, -0.1, 1, 3, 6]);
  });

  it("Softmax sums to 1 along its axis and ELU scales e^x - 1 by alpha", () => {
    const x = nn.tensor([
      [
        [0, Math.log(3)],
        [Math.log(2), 0],
      ],
    ]);
    expectClose(layers.Softmax({ axis: 1 })(x), [1 / 3, 3 / 4, 2 / 3, 1 / 4]);
    expectClose(layers.Softmax()(x), [1 / 4, 3 / 4, 2 / 3, 1 / 3]);
    expectClose(layers.ELU(0.5)(nn.tensor([[-1, 2]])), [0.5 * (Math.exp(-1) - 1), 2]);
    expectClose(layers.ELU()(nn.tensor([[-1]])), [Math.exp(-1) - 1]);
  });

  it("Rescaling(1 / 127.5, { offset: -1 }) maps pixels 0, 127.5 and 255 to -1, 0 and 1", () => {
    expectClose(layers.Rescaling(1 / 127.5, { offset: -1 })(nn.tensor([[0, 127.5, 255]])), [-1, 0, 1]);
    expectClose(layers.Rescaling(1 / 255)(nn.tensor([[51, 255]])), [0.2, 1]);
  });

  it("Permute([2, 1]) transposes each example and RepeatVector(3) repeats each row", () => {
    const x = nn.tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    const p = layers.Permute([2, 1])(x);
    expect(p.shape).toEqual([1, 3, 2]);
    expectClose(p, [1, 4, 2, 5, 3, 6]);
    const r = layers.RepeatVector(3)(
      nn.tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(r.shape).toEqual([2, 3, 2]);
    expectClose(r, [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
  });

  it("Lambda applies its function to one tensor or to the list", () => {
    expectClose(layers.Lambda((x) => x.mul(2))(a), [2, 4, 6, 8]);
    expectClose(layers.Lambda(([p, q]) => p.sub(q).abs())([a, b]), [4, 4, 4, 4]);
  });
});

describe("gradients match float64 finite differences", () => {
  const pair = (shape: number[]) => {
    nn.seed(11);
    return [nn.randn(shape), nn.randn(shape)];
  };

  for (const [name, make] of [
    ["Multiply", () => layers.Multiply()],
    ["Subtract", () => layers.Subtract()],
    ["Average", () => layers.Average()],
    ["Maximum", () => layers.Maximum()],
    ["Minimum", () => layers.Minimum()],
  ] as const) {
    it(`${name} of two (2, 3) tensors`, () => {
      const layer = make();
      const inputs = pair([2, 3]);
      expectLayerGradientsMatch(layer, inputs, (x, y) => layer([x, y]));
    });
  }

  it("Dot on rank-2 and rank-3 inputs, plain and normalized", () => {
    nn.seed(12);
    const configs: [Layer, number[], number[]][] = [
      [layers.Dot(1), [3, 4], [3, 4]],
      [layers.Dot(1, { normalize: true }), [3, 4], [3, 4]],
      [layers.Dot([2, 2]), [2, 3, 4], [2, 5, 4]],
      [layers.Dot([1, 2], { normalize: true }), [2, 3, 4], [2, 2, 3]],
    ];
    for (const [layer, sx, sy] of configs) {
      const inputs = [nn.randn(sx), nn.randn(sy)];
      expectLayerGradientsMatch(layer, inputs, (x, y) => layer([x, y]));
    }
  });

  it("ReLU with every option, Softmax on axis 1, ELU, Rescaling, Permute and RepeatVector", () => {
    nn.seed(13);
    const x3 = nn.randn([2, 3, 4]).mul(2);
    const single: [Layer, Tensor][] = [
      [layers.ReLU({ maxValue: 1.5, negativeSlope: 0.2, threshold: 0.3 }), x3],
      [layers.Softmax({ axis: 1 }), x3],
      [layers.ELU(0.7), x3],
      [layers.Rescaling(0.5, { offset: 2 }), x3],
      [layers.Permute([2, 1]), x3],
      [layers.RepeatVector(3), nn.randn([2, 4])],
      [layers.Lambda((x) => x.square().sum(1)), x3],
    ];
    for (const [layer, x] of single) expectLayerGradientsMatch(layer, [x], (t) => layer(t));
  });

  it("the noise layers in training mode, with their noise fixed by reseeding", () => {
    nn.seed(14);
    const x = nn.randn([2, 4, 3]);
    for (const layer of [layers.GaussianNoise(0.5), layers.GaussianDropout(0.4), layers.SpatialDropout1D(0.5)]) {
      expectLayerGradientsMatch(layer, [x], (t) => {
        nn.seed(99);
        return layer(t, { training: true });
      });
    }
  });
});

describe("the noise layers act only while training", () => {
  const noisy = (): [string, Layer, number[]][] => [
    ["GaussianNoise", layers.GaussianNoise(0.5), [4, 6]],
    ["GaussianDropout", layers.GaussianDropout(0.5), [4, 6]],
    ["SpatialDropout1D", layers.SpatialDropout1D(0.5), [4, 5, 6]],
    ["SpatialDropout2D", layers.SpatialDropout2D(0.5), [4, 3, 3, 6]],
  ];

  for (const [name, layer, shape] of noisy()) {
    it(`${name} is the identity at inference, perturbs in training, and repeats under nn.seed`, () => {
      const x = nn.ones(shape);
      expect(values(layer(x))).toEqual(values(x));
      expect(values(layer(x, { training: false }))).toEqual(values(x));
      nn.seed(5);
      const first = values(layer(x, { training: true }));
      nn.seed(5);
      const again = values(layer(x, { training: true }));
      expect(first).not.toEqual(values(x));
      expect(again).toEqual(first);
    });
  }

  it("GaussianNoise(0.5) adds noise of mean 0 and standard deviation 0.5", () => {
    nn.seed(6);
    const noise = values(layers.GaussianNoise(0.5)(nn.zeros([100, 200]), { training: true }));
    const mean = noise.reduce((s, v) => s + v, 0) / noise.length;
    const sd = Math.sqrt(noise.reduce((s, v) => s + (v - mean) ** 2, 0) / noise.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(sd).toBeCloseTo(0.5, 1);
  });

  it("GaussianDropout(0.2) multiplies by noise of mean 1 and standard deviation sqrt(0.2 / 0.8) = 0.5", () => {
    nn.seed(7);
    const factor = values(layers.GaussianDropout(0.2)(nn.ones([100, 200]), { training: true }));
    const mean = factor.reduce((s, v) => s + v, 0) / factor.length;
    const sd = Math.sqrt(factor.reduce((s, v) => s + (v - mean) ** 2, 0) / factor.length);
    expect(mean).toBeCloseTo(1, 1);
    expect(sd).toBeCloseTo(0.5, 1);
  });

  it("SpatialDropout1D(0.25) drops whole channels: each (example, channel) is all 0 or all 1 / 0.75 over its steps", () => {
    nn.seed(8);
    const [batch, steps, channels] = [50, 4, 20];
    const out = values(layers.SpatialDropout1D(0.25)(nn.ones([batch, steps, channels]), { training: true }));
    let dropped = 0;
    for (let e = 0; e < batch; e++) {
      for (let ch = 0; ch < channels; ch++) {
        const column = Array.from({ length: steps }, (_, s) => out[(e * steps + s) * channels + ch]);
        expect(new Set(column).size).toBe(1);
        expect([0, 1 / 0.75].some((v) => Math.abs(column[0] - v) < 1e-6)).toBe(true);
        if (column[0] === 0) dropped++;
      }
    }
    expect(dropped / (batch * channels)).toBeGreaterThan(0.18);
    expect(dropped / (batch * channels)).toBeLessThan(0.32);
  });

  it("SpatialDropout2D drops whole feature maps, on the last axis or with channels_first the second", () => {
    nn.seed(9);
    const last = values(layers.SpatialDropout2D(0.5)(nn.ones([2, 3, 3, 8]), { training: true }));
    for (let e = 0; e < 2; e++) {
      for (let ch = 0; ch < 8; ch++) {
        const map = Array.from({ length: 9 }, (_, p) => last[(e * 9 + p) * 8 + ch]);
        expect(new Set(map).size).toBe(1);
      }
    }
    const first = values(
      layers.SpatialDropout2D(0.5, { dataFormat: "channels_first" })(nn.ones([2, 8, 3, 3]), { training: true }),
    );
    for (let m = 0; m < 16; m++) expect(new Set(first.slice(m * 9, m * 9 + 9)).size).toBe(1);
  });

  it("fit calls the layers with training true and predict with training false", async () => {
    const seen: boolean[] = [];
    const model = keras.Sequential([
      keras.Input({ shape: [3] }),
      layers.GaussianNoise(0.1),
      layers.Lambda((x, options) => {
        seen.push(options.training ?? false);
        return x;
      }),
      layers.Dense(1),
    ]);
    model.compile({ optimizer: "sgd", loss: "mse" });
    await model.fit(nn.ones([4, 3]), nn.ones([4, 1]), { epochs: 1, batchSize: 4, verbose: 0 });
    expect(seen).toContain(true);
    seen.length = 0;
    model.predict(nn.ones([4, 3]));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).not.toContain(true);
  });
});

describe("errors name the layer and the value", () => {
  it("merging different shapes lists them, naming the layer", () => {
    const [p, q] = [keras.Input({ shape: [3] }), keras.Input({ shape: [4] })];
    expect(() => layers.Multiply({ name: "gate" })([p, q])).toThrow(
      'Multiply "gate" needs inputs of the same shape, but got [(None, 3), (None, 4)]',
    );
    expect(() => layers.Maximum({ name: "mx" })([p])).toThrow(/Maximum "mx" expects a list of at least 2 inputs/);
    expect(() => layers.Subtract({ name: "minus" })([p, p, p])).toThrow(
      /Subtract "minus" takes exactly 2 inputs.*got 3/,
    );
  });

  it("Dot reports contracted sizes that differ, the batch axis, and missing axes", () => {
    const [p, q] = [keras.Input({ shape: [5, 3] }), keras.Input({ shape: [5, 4] })];
    expect(() => layers.Dot(2, { name: "dd" })([p, q])).toThrow(
      'Dot "dd": the contracted sizes differ, 3 (axis 2 of the first input) and 4 (axis 2 of the second); input shapes [(None, 5, 3), (None, 5, 4)]',
    );
    expect(() => layers.Dot(0, { name: "d0" })([p, q])).toThrow(/Dot "d0": axes 0 do not name a non-batch axis/);
    expect(() => layers.Dot({})).toThrow(/Dot: axes is required/);
    expect(() => layers.Dot([1, 2, 3] as unknown as [number, number])).toThrow(
      "Dot: axes must be an integer or a pair of integers, got [1,2,3]",
    );
  });

  it("bad options name the layer and the value", () => {
    expect(() => layers.ReLU({ maxValue: -1 })).toThrow("ReLU: maxValue must be a number >= 0, got -1");
    expect(() => layers.ReLU({ negativeSlope: -0.1 })).toThrow("ReLU: negativeSlope must be a number >= 0, got -0.1");
    expect(() => layers.Softmax({ axis: 1.5 })).toThrow("Softmax: axis must be an integer, got 1.5");
    expect(() => layers.Softmax({ axis: 0, name: "sm" })(keras.Input({ shape: [3] }))).toThrow(
      /Softmax "sm" has axis 0, which is not a non-batch axis/,
    );
    expect(() => layers.ELU(Number.NaN)).toThrow("ELU: alpha must be a finite number, got NaN");
    expect(() => layers.Rescaling(Number.POSITIVE_INFINITY)).toThrow(
      "Rescaling: scale must be a finite number, got Infinity",
    );
    expect(() => layers.Permute([1, 3])).toThrow(/Permute: dims must hold each of 1\.\.n once.*got \[1,3\]/);
    expect(() => layers.Permute([2, 1], { name: "pm" })(keras.Input({ shape: [4, 5, 6] }))).toThrow(
      /Permute "pm" permutes 2 axes.*rank 3.*got input shape \(None, 4, 5, 6\)/,
    );
    expect(() => layers.RepeatVector(0)).toThrow("RepeatVector: n must be a positive integer, got 0");
    expect(() => layers.RepeatVector(2, { name: "rv" })(keras.Input({ shape: [4, 5] }))).toThrow(
      'RepeatVector "rv" needs inputs of shape (batch, features), but got input shape (None, 4, 5)',
    );
    expect(() => layers.GaussianNoise(-1)).toThrow("GaussianNoise: stddev must be a finite number >= 0, got -1");
    expect(() => layers.GaussianDropout(1)).toThrow("GaussianDropout: rate must be in [0, 1), got 1");
    expect(() => layers.SpatialDropout1D(-0.1)).toThrow("SpatialDropout1D: rate must be in [0, 1), got -0.1");
    expect(() => layers.SpatialDropout2D(0.1, { name: "sd" })(keras.Input({ shape: [5, 4] }))).toThrow(
      'SpatialDropout2D "sd" needs inputs of rank 4 (batch axis included), but got input shape (None, 5, 4)',
    );
    expect(() => layers.Lambda(3 as unknown as (x: Tensor) => Tensor)).toThrow(
      "Lambda: the first argument must be a function of the input tensor(s), got number",
    );
  });
});

describe("save and loadModel", () => {
  it("restore a model using the merge and simple layers with bit-identical predictions and the same configs", () => {
    nn.seed(21);
    const input = keras.Input({ shape: [4] });
    const scaled = layers.Rescaling(0.5, { offset: 0.1 })(input);
    const a = layers.ReLU({ maxValue: 2, negativeSlope: 0.1 })(layers.Dense(6)(scaled));
    const b = layers.ELU(0.5)(layers.Dense(6)(scaled));
    const merged = layers.Average()([
      layers.Multiply()([a, b]),
      layers.Subtract()([a, b]),
      layers.Maximum()([a, b]),
      layers.Minimum()([a, b]),
    ]);
    const cosine = layers.Dot(1, { normalize: true })([a, b]);
    const joined = layers.Concatenate()([merged, cosine]);
    const seq = layers.Permute([2, 1])(layers.RepeatVector(3)(joined));
    const noisy = layers.SpatialDropout1D(0.2)(
      layers.GaussianDropout(0.1)(layers.GaussianNoise(0.1)(layers.Softmax({ axis: 1 })(seq))),
    );
    const model = keras.Model({ inputs: input, outputs: layers.Dense(2)(layers.Flatten()(noisy)) });
    const file = path.join(dir, "merge_simple.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel(file);
    expect(loaded.layers.map((l) => l.className)).toEqual(model.layers.map((l) => l.className));
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.randn([5, 4]);
    expect(values(loaded.predict(x))).toEqual(values(model.predict(x)));
  });

  it("restore a Sequential model with SpatialDropout2D channels_first and Softmax on axis 1", () => {
    const model = keras.Sequential([
      keras.Input({ shape: [2, 3, 3] }),
      layers.SpatialDropout2D(0.3, { dataFormat: "channels_first" }),
      layers.Softmax(1),
    ]);
    const file = path.join(dir, "spatial.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel(file);
    expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    const x = nn.randn([2, 2, 3, 3]);
    expect(values(loaded.predict(x))).toEqual(values(model.predict(x)));
  });

  it("refuse a model with a Lambda, naming it, without writing or changing the file", () => {
    const model = keras.Sequential([
      keras.Input({ shape: [3] }),
      layers.Lambda((x) => x.mul(2), { name: "double" }),
      layers.Dense(1),
    ]);
    const fresh = path.join(dir, "lambda.safetensors");
    expect(() => model.save(fresh)).toThrow(
      /Lambda "double" wraps a JavaScript function, which cannot be saved as JSON.*saveWeights/,
    );
    expect(fs.existsSync(fresh)).toBe(false);
    const existing = path.join(dir, "existing.safetensors");
    fs.writeFileSync(existing, "previous contents");
    expect(() => model.save(existing)).toThrow(/Lambda "double"/);
    expect(fs.readFileSync(existing, "utf8")).toBe("previous contents");
  });

  it("still save a Lambda model's weights, which load into the model rebuilt in code", () => {
    const build = () =>
      keras.Sequential([keras.Input({ shape: [3] }), layers.Lambda((x) => x.mul(2)), layers.Dense(2)]);
    const model = build();
    const file = path.join(dir, "lambda_weights.safetensors");
    model.saveWeights(file);
    const rebuilt = build();
    rebuilt.loadWeights(file);
    const x = nn.randn([2, 3]);
    expect(values(rebuilt.predict(x))).toEqual(values(model.predict(x)));
  });
});
