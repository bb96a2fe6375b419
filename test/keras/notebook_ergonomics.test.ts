/**
 * Notebook code reads like Keras and PyTorch, without casts: a model or layer called on one tensor gives a
 * Tensor, `evaluate` gives `number[]` (or a record with `returnDict`), a loss object is called as
 * `loss(yTrue, yPred)`, `x.slice(start, end)` takes rows, `retainGrad()` keeps an intermediate gradient,
 * `x.toArray(2)` is `number[][]`, and `keras.Model`, `keras.Sequential`, `layers.Dense` and `nn.Tensor` are types.
 * The type assertions are checked by `tsc -p tsconfig.test.json`; the values by vitest.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { NestedArray, Tensor } from "../../runtime/tensor";

function classifier() {
  nn.seed(3);
  return keras.Sequential([keras.Input({ shape: [4] }), layers.Dense(3, { activation: "softmax" })]);
}

const x = nn.tensor([
  [1, 0, 0, 2],
  [0, 1, 1, 0],
  [2, 2, 0, 1],
]);
const y = nn.tensor([
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
]);

describe("calls that need no cast", () => {
  it("apply and predict on one input give a Tensor, for Sequential, functional models and layers", () => {
    const model = classifier();
    expectTypeOf(model.apply(x)).toEqualTypeOf<Tensor>();
    expectTypeOf(model.predict(x)).toEqualTypeOf<Tensor>();
    const input = keras.Input({ shape: [4] });
    const functional = keras.Model({ inputs: input, outputs: layers.Dense(2).apply(input) });
    expectTypeOf(functional.apply(x)).toEqualTypeOf<Tensor>();
    expectTypeOf(functional.predict(x)).toEqualTypeOf<Tensor>();
    const attention = layers.MultiHeadAttention({ numHeads: 1, keyDim: 2 });
    const sequence = nn.ones([1, 3, 2]);
    expectTypeOf(attention.apply([sequence, sequence])).toEqualTypeOf<Tensor>();
    expect(model.apply(x).shape).toEqual([3, 3]);
    expect(functional.predict(x).shape).toEqual([3, 2]);
  });

  it("evaluate gives [loss, ...metrics] as number[], [loss] without metrics, and a record with returnDict", () => {
    const model = classifier();
    model.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });
    const [loss, accuracy] = model.evaluate(x, y);
    expectTypeOf(model.evaluate(x, y)).toEqualTypeOf<number[]>();
    expectTypeOf(model.evaluate(x, y, { returnDict: true })).toEqualTypeOf<Record<string, number>>();
    const byHand = keras.losses.CategoricalCrossentropy()(y, model.predict(x)).item();
    expect(loss).toBeCloseTo(byHand, 5);
    expect(model.evaluate(x, y, { returnDict: true })).toEqual({ loss, accuracy });

    const lossOnly = classifier();
    lossOnly.compile({ loss: "mse", optimizer: "sgd" });
    const result = lossOnly.evaluate(x, y);
    expect(result).toHaveLength(1);
    expect(result[0]).toBeCloseTo(nn.mean(lossOnly.predict(x).sub(y).square()).item(), 6);
  });

  it("a loss object is callable as loss(yTrue, yPred), the same as its call(), as Keras's MeanSquaredError()(y, p)", () => {
    const mse = keras.losses.MeanSquaredError();
    const target = nn.tensor([
      [0, 1],
      [2, 3],
    ]);
    const prediction = nn.tensor([
      [1, 1],
      [2, 5],
    ]);
    expectTypeOf(mse(target, prediction)).toEqualTypeOf<Tensor>();
    // Per example: mean([1, 0]) = 0.5 and mean([0, 4]) = 2; over the batch 1.25.
    expect(mse(target, prediction).item()).toBeCloseTo(1.25, 6);
    expect(mse(target, prediction).item()).toBe(mse.call(target, prediction).item());
    const bce = new keras.losses.BinaryCrossentropy({ fromLogits: true });
    expect(bce(nn.tensor([[1]]), nn.tensor([[0]])).item()).toBeCloseTo(Math.log(2), 6);
    expect(bce).toBeInstanceOf(keras.losses.Loss);
    expect(bce.fromLogits).toBe(true);
    expect(bce.getConfig()).toEqual({ fromLogits: true });
  });

  it("a callable loss object still compiles as a loss object, and its gradient flows", async () => {
    const model = classifier();
    model.compile({ loss: keras.losses.CategoricalCrossentropy(), optimizer: "sgd" });
    const before = model.evaluate(x, y)[0];
    await model.fit(x, y, { epochs: 5, verbose: 0 });
    expect(model.evaluate(x, y)[0]).toBeLessThan(before);
  });
});

describe("x.slice(start, end): rows, as x[start:end]", () => {
  const t = nn.arange(0, 12).reshape([4, 3]);

  it("takes rows start..end-1 of the first axis, counts negative indices from the end and clamps as Python does", () => {
    expect(t.slice(0, 2).toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(t.slice(2).toArray()).toEqual([
      [6, 7, 8],
      [9, 10, 11],
    ]);
    expect(t.slice(-1).toArray()).toEqual([[9, 10, 11]]);
    expect(t.slice(1, 100).shape).toEqual([3, 3]);
    expect(t.slice(3, 1).shape).toEqual([0, 3]);
    expect(nn.arange(0, 5).slice(1, 3).toArray()).toEqual([1, 2]);
  });

  it("keeps the block form slice(begin, size) and passes gradients back", () => {
    expect(t.slice([1, 1], [2, 2]).toArray()).toEqual([
      [4, 5],
      [7, 8],
    ]);
    const w = nn.ones([3, 2], { requiresGrad: true });
    w.slice(1, 2).sum().backward();
    expect(w.grad!.toArray()).toEqual([
      [0, 0],
      [1, 1],
      [0, 0],
    ]);
  });

  it("refuses indices that are not integers, and a scalar, naming the call and the shape", () => {
    expect(() => t.slice(0.5, 2)).toThrow(/slice\(0\.5, 2\): rows need integer indices .*\[4, ?3\]/);
    expect(() => nn.tensor(3).slice(0, 1)).toThrow(/slice\(0, 1\): .*a first axis/);
  });
});

describe("retainGrad(): intermediate gradients, as PyTorch's retain_grad()", () => {
  it("fills .grad of a retained intermediate with dLoss/dIntermediate, leaves unchanged", () => {
    const w = nn.tensor([1, -2, 3], { requiresGrad: true });
    const h = w.mul(2).retainGrad(); // h = 2w = [2, -4, 6]
    const other = w.mul(3); // not retained
    h.square().sum().add(other.sum()).backward(); // L = sum(h²) + sum(3w)
    expect(h.grad!.toArray()).toEqual([4, -8, 12]); // dL/dh = 2h
    expect(other.grad).toBeNull();
    expect(w.grad!.toArray()).toEqual([11, -13, 27]); // dL/dw = 2·2h + 3
  });

  it("accumulates over backward calls as a leaf's gradient does, and returns the tensor itself", () => {
    const w = nn.tensor([2], { requiresGrad: true });
    const h = nn.square(w);
    expect(h.retainGrad()).toBe(h);
    const loss = h.mul(5).sum();
    loss.backward(undefined, { retainGraph: true });
    loss.backward(undefined, { retainGraph: true });
    expect(h.grad!.toArray()).toEqual([10]);
  });

  it("refuses a tensor that does not require grad", () => {
    expect(() => nn.tensor([1, 2]).retainGrad()).toThrow(/retainGrad: this tensor \[2\] does not require grad/);
  });
});

describe("toArray(rank): the values as nested arrays typed by the rank, checked", () => {
  const t = nn.arange(0, 6).reshape([2, 3]);

  it("types toArray(0) .. toArray(4) as number .. number[][][][], and toArray() as NestedArray", () => {
    expectTypeOf(t.toArray()).toEqualTypeOf<NestedArray>();
    expectTypeOf(nn.tensor(1).toArray(0)).toEqualTypeOf<number>();
    expectTypeOf(t.reshape([6]).toArray(1)).toEqualTypeOf<number[]>();
    expectTypeOf(t.toArray(2)).toEqualTypeOf<number[][]>();
    expectTypeOf(t.reshape([1, 2, 3]).toArray(3)).toEqualTypeOf<number[][][]>();
    expectTypeOf(t.reshape([1, 1, 2, 3]).toArray(4)).toEqualTypeOf<number[][][][]>();
  });

  it("returns the same values as toArray() when the rank is the tensor's", () => {
    expect(t.toArray(2)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(t.toArray(2)).toEqual(t.toArray());
    expect(nn.tensor(7).toArray(0)).toBe(7);
    expect(t.reshape([6]).toArray(1)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(t.reshape([1, 1, 2, 3]).toArray(4)).toEqual([[t.toArray()]]);
  });

  it("refuses a rank that is not the tensor's, naming the shape and the rank to ask for", () => {
    expect(() => t.toArray(1)).toThrow(/toArray\(1\): the tensor is \[2, ?3\], of rank 2; call toArray\(2\)/);
    expect(() => t.reshape([1, 2, 3]).toArray(2)).toThrow(/of rank 3; call toArray\(3\)/);
  });
});

describe("the classes as types: keras.Model, keras.Sequential, keras.Layer, layers.Dense, nn.Tensor", () => {
  it("annotates functions with keras.Model, keras.Sequential and layers' classes, as Keras code is hinted", () => {
    const parameters = (model: keras.Model): number => model.countParams();
    const lastLayer = (model: keras.Sequential): keras.Layer => model.layers[model.layers.length - 1];
    const units = (dense: layers.Dense): number => dense.units;
    const model = classifier();
    expect(parameters(model)).toBe(4 * 3 + 3);
    const last = lastLayer(model);
    expect(last instanceof layers.Dense && units(last)).toBe(3);
    expectTypeOf(layers.LSTM(4)).toEqualTypeOf<layers.LSTM>();
    expectTypeOf(keras.Sequential()).toEqualTypeOf<keras.Sequential>();
    expectTypeOf<keras.Layer>().toEqualTypeOf<layers.Layer>();
    expect(keras.Layer).toBe(layers.Layer);
  });

  it("types keras.Model({ inputs, outputs }) as keras.Model and keras.Functional, keras.Input as keras.KerasTensor", () => {
    const input = keras.Input({ shape: [4] });
    expectTypeOf(input).toEqualTypeOf<keras.KerasTensor>();
    const model = keras.Model({ inputs: input, outputs: layers.Dense(2).apply(input) });
    expectTypeOf(model).toEqualTypeOf<keras.Functional>();
    expectTypeOf(model).toMatchTypeOf<keras.Model>();
    const twoOutputs = keras.Model({
      inputs: input,
      outputs: [layers.Dense(1).apply(input), layers.Dense(2).apply(input)],
    });
    expectTypeOf(twoOutputs).toMatchTypeOf<keras.Model<keras.KerasTensor[]>>();
  });

  it("types nn.Tensor as torch.Tensor is typed: the class of every tensor", () => {
    const double = (x: nn.Tensor): nn.Tensor => x.mul(2);
    expectTypeOf<nn.Tensor>().toEqualTypeOf<Tensor>();
    expect(double(nn.tensor([1, 2])).toArray(1)).toEqual([2, 4]);
    expect(nn.tensor(1)).toBeInstanceOf(nn.Tensor);
  });
});
