/**
 * Output shapes and parameter counts of every layer, compared with the numbers
 * Keras 3 reports (model.summary()) for the same configuration, and the
 * build-time shape errors.
 */
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { Layer } from "../../runtime/keras/index";
import { summaryData } from "../../runtime/keras/models/summary";
import { nn } from "../../runtime/nn";
import { lectureCnn } from "./lecture_cnn";

/** [output shape, params] of `layer` applied to a symbolic input of `shape` (no batch axis). */
function probe(layer: Layer, shape: (number | null)[]): [(number | null)[], number] {
  const out = layer(keras.Input({ shape }));
  return [[...out.shape], layer.countParams()];
}

describe("the lecture CNN (docs/keras.md)", () => {
  it("has Keras's shapes and 34,826 parameters: conv 320, conv 18,496, dense 16,010", () => {
    const model = lectureCnn();
    const { rows, totals } = summaryData(model);
    expect(rows.map((r) => [r.shape, r.params])).toEqual([
      ["(None, 26, 26, 32)", "320"],
      ["(None, 13, 13, 32)", "0"],
      ["(None, 11, 11, 64)", "18,496"],
      ["(None, 5, 5, 64)", "0"],
      ["(None, 1600)", "0"],
      ["(None, 1600)", "0"],
      ["(None, 10)", "16,010"],
    ]);
    expect(totals).toEqual({ total: 34826, trainable: 34826, nonTrainable: 0 });
  });

  it("can start with layers.Input, which is keras.Input (Keras has both)", () => {
    const model = keras.Sequential([layers.Input({ shape: [28, 28, 1] }), layers.Conv2D(32, { kernelSize: [3, 3] })]);
    expect(layers.Input).toBe(keras.Input);
    expect(summaryData(model).rows.map((r) => r.shape)).toEqual(["(None, 26, 26, 32)"]);
  });
});

describe("layer shapes and parameter counts match Keras", () => {
  const cases: [string, () => Layer, (number | null)[], (number | null)[], number][] = [
    ["Dense(64) on 784 features", () => layers.Dense(64), [784], [null, 64], 50_240],
    ["Dense(8) without bias on a sequence", () => layers.Dense(8, { useBias: false }), [5, 3], [null, 5, 8], 24],
    [
      "Conv2D(8, 3, strides 2, same)",
      () => layers.Conv2D(8, 3, { strides: 2, padding: "same" }),
      [28, 28, 1],
      [null, 14, 14, 8],
      80,
    ],
    [
      "Conv2D(4, 3, dilationRate 2)",
      () => layers.Conv2D(4, [3, 3], { dilationRate: 2 }),
      [10, 10, 1],
      [null, 6, 6, 4],
      40,
    ],
    [
      "Conv2DTranspose(16, 3, strides 2, same)",
      () => layers.Conv2DTranspose(16, 3, { strides: 2, padding: "same" }),
      [7, 7, 32],
      [null, 14, 14, 16],
      4_624,
    ],
    [
      "Conv2DTranspose(8, 3) valid",
      () => layers.Conv2DTranspose(8, { kernelSize: 3 }),
      [5, 5, 4],
      [null, 7, 7, 8],
      296,
    ],
    ["MaxPooling2D(2)", () => layers.MaxPooling2D(2), [27, 27, 3], [null, 13, 13, 3], 0],
    [
      "AveragePooling2D(3, strides 2, same)",
      () => layers.AveragePooling2D({ poolSize: 3, strides: 2, padding: "same" }),
      [9, 9, 2],
      [null, 5, 5, 2],
      0,
    ],
    ["GlobalAveragePooling2D", () => layers.GlobalAveragePooling2D(), [8, 8, 3], [null, 3], 0],
    ["Flatten", () => layers.Flatten(), [5, 5, 64], [null, 1600], 0],
    ["Reshape([7, 7, -1])", () => layers.Reshape([7, 7, -1]), [784], [null, 7, 7, 16], 0],
    ["Dropout(0.5)", () => layers.Dropout(0.5), [10], [null, 10], 0],
    ["Activation('gelu')", () => layers.Activation("gelu"), [4, 4], [null, 4, 4], 0],
    ["LeakyReLU", () => layers.LeakyReLU(), [6], [null, 6], 0],
    ["BatchNormalization on 16 channels", () => layers.BatchNormalization(), [10, 10, 16], [null, 10, 10, 16], 64],
    ["UpSampling2D(2)", () => layers.UpSampling2D(2), [4, 4, 3], [null, 8, 8, 3], 0],
    ["Embedding(1000, 64)", () => layers.Embedding(1000, 64), [10], [null, 10, 64], 64_000],
  ];
  for (const [what, make, input, output, params] of cases) {
    it(`${what}: ${JSON.stringify(output)}, ${params} params`, () => {
      expect(probe(make(), input)).toEqual([output, params]);
    });
  }

  it("Concatenate joins (None, 4) and (None, 6) into (None, 10); Add keeps (None, 5)", () => {
    const a = keras.Input({ shape: [4] });
    const b = keras.Input({ shape: [6] });
    expect(layers.Concatenate()([a, b]).shape).toEqual([null, 10]);
    const c = keras.Input({ shape: [5] });
    expect(layers.Add()([c, layers.Dense(5)(c)]).shape).toEqual([null, 5]);
  });

  it("BatchNormalization counts its moving statistics as non-trainable (32 of 64)", () => {
    const bn = layers.BatchNormalization();
    probe(bn, [16]);
    expect(bn.trainableWeights.map((w) => w.name)).toEqual(["gamma", "beta"]);
    expect(bn.nonTrainableWeights.map((w) => w.name)).toEqual(["moving_mean", "moving_variance"]);
  });

  it("real tensors give the shapes the symbolic pass predicted", () => {
    const x = keras.Input({ shape: [6, 6, 2] });
    const up = layers.Conv2DTranspose(3, 3, { strides: 2, padding: "same" });
    const y = layers.UpSampling2D(2)(layers.AveragePooling2D(2)(up(x)));
    const model = keras.Model({ inputs: x, outputs: y });
    expect(y.shape).toEqual([null, 12, 12, 3]);
    expect(model.predict(nn.ones([2, 6, 6, 2])).shape).toEqual([2, 12, 12, 3]);
  });
});

describe("build-time shape errors name the layer and both shapes", () => {
  it("Conv2D on a flat input", () => {
    expect(() => layers.Conv2D(8, 3, { name: "c1" })(keras.Input({ shape: [784] }))).toThrow(
      'Conv2D "c1" expects a 4-D input (batch, height, width, channels), but got input shape (None, 784)',
    );
  });

  it("a Sequential model reports the failing layer when it is added", () => {
    expect(() =>
      keras.Sequential([keras.Input({ shape: [4, 4, 1] }), layers.MaxPooling2D({ poolSize: 5, name: "pool" })]),
    ).toThrow(/MaxPooling2D "pool" with window 5x5 .* too small, but got input shape \(None, 4, 4, 1\)/);
  });

  it("Concatenate with mismatched shapes lists both", () => {
    const a = keras.Input({ shape: [4, 3] });
    const b = keras.Input({ shape: [5, 2] });
    expect(() => layers.Concatenate({ name: "cat" })([a, b])).toThrow(
      'Concatenate "cat" needs inputs whose shapes match except on axis -1, but got [(None, 4, 3), (None, 5, 2)]',
    );
  });

  it("Add with different shapes lists both", () => {
    expect(() => layers.Add({ name: "plus" })([keras.Input({ shape: [5] }), keras.Input({ shape: [6] })])).toThrow(
      'Add "plus" needs inputs of the same shape, but got [(None, 5), (None, 6)]',
    );
  });

  it("a built layer called on an incompatible input names the shape it was built for", () => {
    const dense = layers.Dense(3, { name: "d" });
    dense(keras.Input({ shape: [4] }));
    expect(() => dense(keras.Input({ shape: [5] }))).toThrow(
      'Dense "d" was built for input (None, 4), but got input shape (None, 5)',
    );
  });

  it("Reshape to an impossible size", () => {
    expect(() => layers.Reshape([3, 3], { name: "r" })(keras.Input({ shape: [10] }))).toThrow(
      'Reshape "r" cannot reshape 10 values per example into target shape (3, 3), but got input shape (None, 10)',
    );
  });
});
