/**
 * The parameter gradients that fit's training step applies equal finite
 * differences of the loss. With plain SGD at learning rate 1, one
 * trainOnBatch step moves each weight by exactly minus its gradient, so the
 * step's change is compared with (loss(w + e) - loss(w - e)) / 2e from
 * testOnBatch. The reference backend computes in float64.
 */
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { Model } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";

function expectStepMatchesFiniteDifferences(model: Model, x: Tensor, y: Tensor, loss: string): void {
  model.compile({ optimizer: keras.optimizers.SGD({ learningRate: 1 }), loss });
  const before = model.weights.map((w) => w.read());
  const numeric = model.weights.map((w, k) => {
    const eps = 1e-3;
    return Array.from(before[k], (_, i) => {
      const probe = (delta: number) => {
        const v = Float32Array.from(before[k]);
        v[i] += delta;
        w.write(v);
        const l = model.testOnBatch(x, y) as number;
        w.write(before[k]);
        return l;
      };
      return (probe(eps) - probe(-eps)) / (2 * eps);
    });
  });
  model.trainOnBatch(x, y);
  model.weights.forEach((w, k) => {
    const after = w.read();
    const analytic = Array.from(after, (a, i) => before[k][i] - a);
    analytic.forEach((g, i) =>
      expect(
        Math.abs(g - numeric[k][i]),
        `${w.path}[${i}]: step ${g} vs finite difference ${numeric[k][i]}`,
      ).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric[k][i])),
    );
  });
}

describe("fit's training step applies the true gradients", () => {
  it("for a two-layer dense classifier with categorical crossentropy", () => {
    nn.seed(1);
    const model = keras.Sequential([
      keras.Input({ shape: [4] }),
      layers.Dense(3, { activation: "tanh" }),
      layers.Dense(2, { activation: "softmax" }),
    ]);
    const x = nn.randn([6, 4]);
    const y = keras.utils.toCategorical([0, 1, 1, 0, 1, 0], 2);
    expectStepMatchesFiniteDifferences(model, x, y, "categorical_crossentropy");
  });

  it("for a convolution, pooling and dense model with sparse labels", () => {
    nn.seed(2);
    const model = keras.Sequential([
      keras.Input({ shape: [5, 5, 1] }),
      layers.Conv2D(2, 3, { activation: "tanh" }),
      layers.AveragePooling2D(3),
      layers.Flatten(),
      layers.Dense(3, { activation: "softmax" }),
    ]);
    expectStepMatchesFiniteDifferences(
      model,
      nn.randn([4, 5, 5, 1]),
      nn.tensor([0, 2, 1, 2]),
      "sparse_categorical_crossentropy",
    );
  });

  it("for a functional model with a regularised kernel and binary crossentropy from logits", () => {
    nn.seed(3);
    const input = keras.Input({ shape: [3] });
    const a = layers.Dense(2, { kernelRegularizer: keras.regularizers.l2(0.1) })(input);
    const b = layers.Dense(2, { activation: "sigmoid" })(input);
    const out = layers.Dense(1)(layers.Concatenate()([a, b]));
    const model = keras.Model({ inputs: input, outputs: out });
    expectStepMatchesFiniteDifferences(
      model,
      nn.randn([5, 3]),
      nn.tensor([[1], [0], [1], [1], [0]]),
      "binary_crossentropy",
    );
  });
});
