/** Losses and optimizer steps against values worked out by hand from Keras's formulas. */
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";

describe("losses", () => {
  const yTrue = nn.tensor([
    [0, 1],
    [1, 0],
  ]);
  const probs = nn.tensor([
    [0.2, 0.8],
    [0.6, 0.4],
  ]);

  it("categorical_crossentropy is the mean of -log(p of the true class)", () => {
    const loss = keras.losses.CategoricalCrossentropy().call(yTrue, probs).item();
    expect(loss).toBeCloseTo((-Math.log(0.8) - Math.log(0.6)) / 2, 6);
  });

  it("from logits equals the same loss on softmax probabilities", () => {
    const logits = nn.tensor([
      [0.5, 2],
      [1, -1],
    ]);
    const a = keras.losses.CategoricalCrossentropy({ fromLogits: true }).call(yTrue, logits).item();
    const b = keras.losses.CategoricalCrossentropy().call(yTrue, logits.softmax()).item();
    expect(a).toBeCloseTo(b, 5);
    const sparse = keras.losses
      .SparseCategoricalCrossentropy({ fromLogits: true })
      .call(nn.tensor([1, 0]), logits)
      .item();
    expect(sparse).toBeCloseTo(a, 6);
  });

  it("binary_crossentropy from logits equals the one from sigmoid probabilities", () => {
    const t = nn.tensor([[1], [0], [1]]);
    const z = nn.tensor([[2], [-1], [-3]]);
    const a = keras.losses.BinaryCrossentropy({ fromLogits: true }).call(t, z).item();
    const b = keras.losses.BinaryCrossentropy().call(t, z.sigmoid()).item();
    const expected =
      -(Math.log(1 / (1 + Math.exp(-2))) + Math.log(1 - 1 / (1 + Math.exp(1))) + Math.log(1 / (1 + Math.exp(3)))) / 3;
    expect(a).toBeCloseTo(expected, 6);
    expect(b).toBeCloseTo(expected, 5);
  });

  it("crossentropy on the output of a softmax or sigmoid activation computes from its logits, as Keras: exact even where the probability underflows the 1e-7 clip", () => {
    const logits = nn.tensor(
      [
        [0, 30],
        [2, 0],
      ],
      { requiresGrad: true },
    );
    const categorical = keras.losses.CategoricalCrossentropy().call(
      nn.tensor([
        [1, 0],
        [1, 0],
      ]),
      layers.Activation("softmax")(logits),
    );
    const exact = (30 + Math.log1p(Math.exp(-30)) + Math.log1p(Math.exp(-2))) / 2;
    expect(categorical.item()).toBeCloseTo(exact, 4);
    categorical.backward();
    const p = 1 / (1 + Math.exp(-2));
    (logits.grad!.dataSync() as Float32Array).forEach((g, i) =>
      expect(g).toBeCloseTo([-0.5, 0.5, (p - 1) / 2, (1 - p) / 2][i], 5),
    );
    const sparse = keras.losses
      .SparseCategoricalCrossentropy()
      .call(nn.tensor([0, 0]), layers.Activation("softmax")(logits));
    expect(sparse.item()).toBeCloseTo(exact, 4);

    const z = nn.tensor([[-40], [3]]);
    const binary = keras.losses.BinaryCrossentropy().call(nn.tensor([[1], [1]]), layers.Activation("sigmoid")(z));
    expect(binary.item()).toBeCloseTo((40 + Math.log1p(Math.exp(-3))) / 2, 4);

    // Plain probabilities (no activation behind them) are clipped as Keras clips them.
    const clipped = keras.losses.CategoricalCrossentropy().call(nn.tensor([[1, 0]]), nn.tensor([[0, 1]]));
    expect(clipped.item()).toBeCloseTo(-Math.log(1e-7), 4);
  });

  it("mse, mae and huber average over the last axis, then the batch", () => {
    const t = nn.tensor([
      [0, 0],
      [1, 1],
    ]);
    const p = nn.tensor([
      [0.5, 2],
      [1, -2],
    ]);
    expect(keras.losses.MeanSquaredError().call(t, p).item()).toBeCloseTo(((0.25 + 4) / 2 + 9 / 2) / 2, 6);
    expect(keras.losses.MeanAbsoluteError().call(t, p).item()).toBeCloseTo(((0.5 + 2) / 2 + 3 / 2) / 2, 6);
    // huber, delta 1: 0.5 e^2 for |e| <= 1, else |e| - 0.5
    expect(keras.losses.Huber().call(t, p).item()).toBeCloseTo(((0.125 + 1.5) / 2 + 2.5 / 2) / 2, 6);
  });

  it("sparse labels out of range name the label and the class count", () => {
    expect(() => keras.losses.SparseCategoricalCrossentropy().call(nn.tensor([3, 0]), probs)).toThrow(
      "sparse_categorical_crossentropy: label 3 is not a class index in [0, 1] (the model predicts 2 classes)",
    );
  });
});

describe("optimizer steps", () => {
  /** Two steps on w = [1] with constant gradient g = [0.5]; returns w after each. */
  function twoSteps(optimizer: { step(p: readonly Tensor[]): void; zeroGrad(p: readonly Tensor[]): void }): number[] {
    const w = nn.tensor([1], { requiresGrad: true });
    const values: number[] = [];
    for (let i = 0; i < 2; i++) {
      w.mul(0.5).sum().backward();
      optimizer.step([w]);
      optimizer.zeroGrad([w]);
      values.push(w.item());
    }
    return values;
  }

  it("SGD with momentum and Nesterov momentum follow Keras's update rules", () => {
    // v1 = -0.05, w1 = 0.95; v2 = 0.9 * -0.05 - 0.05 = -0.095, w2 = 0.855
    const plain = twoSteps(keras.optimizers.SGD({ learningRate: 0.1, momentum: 0.9 }));
    expect(plain[0]).toBeCloseTo(0.95, 6);
    expect(plain[1]).toBeCloseTo(0.855, 6);
    // Nesterov: w += momentum * v - lr * g: w1 = 1 - 0.045 - 0.05, w2 = w1 - 0.0855 - 0.05
    const nesterov = twoSteps(keras.optimizers.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }));
    expect(nesterov[0]).toBeCloseTo(0.905, 6);
    expect(nesterov[1]).toBeCloseTo(0.7695, 6);
  });

  it("Adam's first step moves each weight by about the learning rate", () => {
    const [w1] = twoSteps(keras.optimizers.Adam({ learningRate: 0.01 }));
    expect(w1).toBeCloseTo(0.99, 5);
  });

  it("RMSprop and Adagrad scale the step by the root of the squared-gradient average", () => {
    const [r1] = twoSteps(keras.optimizers.RMSprop({ learningRate: 0.01 }));
    expect(r1).toBeCloseTo(1 - (0.01 * 0.5) / Math.sqrt(0.1 * 0.25 + 1e-7), 5);
    const [a1] = twoSteps(keras.optimizers.Adagrad({ learningRate: 0.1 }));
    expect(a1).toBeCloseTo(1 - (0.1 * 0.5) / Math.sqrt(0.1 + 0.25 + 1e-7), 5);
  });
});

describe("layers on real tensors", () => {
  it("Embedding looks up rows and names an out-of-range id", () => {
    const emb = layers.Embedding(5, 3, { name: "emb" });
    const out = emb(
      nn.tensor([
        [0, 4],
        [2, 2],
      ]),
    );
    expect(out.shape).toEqual([2, 2, 3]);
    const table = emb.getWeights()[0].toArray(2);
    expect(out.toArray(3)[1][0]).toEqual(table[2]);
    expect(() => emb(nn.tensor([[7, 0]]))).toThrow(
      'Embedding "emb": id 7 is out of range; ids must be integers in [0, 4] (inputDim = 5)',
    );
  });

  it("BatchNormalization normalises with batch statistics in training and moves its running statistics", () => {
    const bn = layers.BatchNormalization({ momentum: 0.5 });
    const x = nn.tensor([
      [1, 10],
      [3, 30],
    ]);
    const y = bn(x, { training: true }).toArray(2);
    expect(y[0][0]).toBeCloseTo(-1 / Math.sqrt(1 + 1e-3), 5);
    const [, , movingMean, movingVariance] = bn.getWeights().map((w) => Array.from(w.dataSync()));
    expect(movingMean).toEqual([1, 10]);
    expect(movingVariance[1]).toBeCloseTo(0.5 + 0.5 * 100, 4);
    bn.trainable = false;
    const frozen = bn(x, { training: true }).toArray(2);
    expect(frozen[0][0]).toBeCloseTo((1 - 1) / Math.sqrt(0.5 * 1 + 0.5 * 1 + 1e-3), 5);
  });

  it("Dropout drops only in training and keeps the expected value", () => {
    nn.seed(5);
    const drop = layers.Dropout(0.5);
    const x = nn.ones([1000]);
    expect(drop(x).dataSync()).toEqual(x.dataSync());
    const y = Array.from(drop(x, { training: true }).dataSync());
    expect(new Set(y)).toEqual(new Set([0, 2]));
    expect(y.reduce((a, b) => a + b, 0) / 1000).toBeGreaterThan(0.85);
  });
});
