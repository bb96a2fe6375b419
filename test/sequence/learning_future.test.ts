/**
 * Learning check: each step's label is the token two steps later. A forward
 * LSTM cannot see it and stays near chance (1/2); a bidirectional LSTM of
 * the same size reads it from the backward direction.
 */
import { expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { Layer } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import { futureTask } from "../../runtime/data/sequences";

async function tokenAccuracy(recurrent: Layer): Promise<number> {
  nn.seed(4);
  const model = keras.Sequential([
    keras.Input({ shape: [12, 2] }),
    recurrent,
    layers.TimeDistributed(layers.Dense(2, { activation: "softmax" })),
  ]);
  model.compile({ optimizer: keras.optimizers.Adam({ learningRate: 0.02 }), loss: "sparse_categorical_crossentropy" });
  const train = futureTask({ samples: 512, length: 12, seed: 1 });
  await model.fit(train.x, train.y, { batchSize: 32, epochs: 4, verbose: 0 });
  const test = futureTask({ samples: 256, length: 12, seed: 2 });
  const predicted = model.predict(test.x).argmax(-1).dataSync();
  const labels = test.y.dataSync();
  // The last two steps have no future token (label 0); score the steps that have one.
  let right = 0;
  let total = 0;
  labels.forEach((label, i) => {
    if (i % 12 >= 10) return;
    total += 1;
    if (predicted[i] === label) right += 1;
  });
  return right / total;
}

it("a BiLSTM predicts a token two steps ahead; a forward LSTM of the same size cannot", async () => {
  const t0 = performance.now();
  const forward = await tokenAccuracy(layers.LSTM(8, { returnSequences: true }));
  const t1 = performance.now();
  const bidirectional = await tokenAccuracy(layers.Bidirectional(layers.LSTM(8, { returnSequences: true })));
  const t2 = performance.now();
  console.log(
    `future task: LSTM ${forward.toFixed(3)} (${((t1 - t0) / 1000).toFixed(1)} s), BiLSTM ${bidirectional.toFixed(3)} (${((t2 - t1) / 1000).toFixed(1)} s)`,
  );
  expect(forward).toBeLessThan(0.6);
  expect(bidirectional).toBeGreaterThan(0.9);
});
