/**
 * Learning check: a 2-layer Transformer encoder (learned positions, 2 heads)
 * learns to reverse 6-digit strings: output position t must attend to input
 * position 5 - t, which only the position embeddings tell apart.
 */
import { expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import { reverseDigits } from "../../runtime/data/sequences";

const LENGTH = 6;

it("a 2-layer Transformer reverses digit strings to at least 95% token accuracy", async () => {
  nn.seed(5);
  const model = keras.Sequential([
    keras.Input({ shape: [LENGTH] }),
    layers.Embedding(10, 32),
    layers.PositionEmbedding(LENGTH),
    layers.TransformerEncoder(64, 2),
    layers.TransformerEncoder(64, 2),
    layers.Dense(10, { activation: "softmax" }),
  ]);
  model.compile({ optimizer: keras.optimizers.Adam({ learningRate: 0.003 }), loss: "sparse_categorical_crossentropy" });
  const train = reverseDigits({ samples: 1024, length: LENGTH, seed: 1 });
  const epochTimes: number[] = [];
  const t0 = performance.now();
  await model.fit(train.source, train.target, {
    batchSize: 32,
    epochs: 8,
    verbose: 0,
    callbacks: [{ onEpochEnd: () => void epochTimes.push(performance.now()) }],
  });
  const test = reverseDigits({ samples: 256, length: LENGTH, seed: 2 });
  const predicted = model.predict(test.source).argmax(-1).dataSync();
  const labels = test.target.dataSync();
  const accuracy = Array.from(predicted).reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0) / labels.length;
  const perEpoch = epochTimes.map((t, i) => (t - (i === 0 ? t0 : epochTimes[i - 1])) / 1000);
  console.log(
    `reverse digits: token accuracy ${accuracy.toFixed(3)}; ${perEpoch.length} epochs of 1024 strings, ${perEpoch.map((s) => s.toFixed(1)).join(", ")} s each`,
  );
  expect(accuracy).toBeGreaterThanOrEqual(0.95);
});
