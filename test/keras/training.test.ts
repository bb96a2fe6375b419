/** compile/fit/evaluate/predict, callbacks, interruption, freezing and weight sharing. */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { Model } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import type { InputShapes, LayerInputs } from "../../runtime/keras/engine/layer";
import type { Weight } from "../../runtime/keras/engine/weight";
import { JUPYTER_DISPLAY, setDisplaySink, type DisplayOptions, type MimeBundle } from "../../runtime/display";

/** Two separable blobs: label 1 where x0 + x1 > 0. */
function blobs(n: number) {
  const x = nn.randn([n, 2]);
  const v = x.dataSync();
  const labels = Array.from({ length: n }, (_, i) => (v[2 * i] + v[2 * i + 1] > 0 ? 1 : 0));
  return { x, yOneHot: keras.utils.toCategorical(labels, 2), ySparse: nn.tensor(labels), labels };
}

function classifier(): Model {
  return keras.Sequential([
    keras.Input({ shape: [2] }),
    layers.Dense(8, { activation: "relu" }),
    layers.Dense(2, { activation: "softmax" }),
  ]);
}

describe("fit", () => {
  it("returns a History with loss, accuracy, val_loss, val_accuracy per epoch and learns a separable problem", async () => {
    nn.seed(10);
    const { x, yOneHot } = blobs(200);
    const model = classifier();
    model.compile({
      optimizer: keras.optimizers.Adam({ learningRate: 0.05 }),
      loss: "categorical_crossentropy",
      metrics: ["accuracy"],
    });
    const history = await model.fit(x, yOneHot, { batchSize: 32, epochs: 5, validationSplit: 0.2, verbose: 0 });
    expect(history.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(Object.keys(history.history).sort()).toEqual(["accuracy", "loss", "val_accuracy", "val_loss"]);
    expect(history.history.loss[4]).toBeLessThan(history.history.loss[0]);
    expect(history.history.val_accuracy[4]).toBeGreaterThan(0.85);
  });

  it("evaluates validationData after each epoch as val_ metrics", async () => {
    const { x, ySparse } = blobs(32);
    const val = blobs(16);
    const model = classifier();
    model.compile({ optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"] });
    const history = await model.fit(x, ySparse, { epochs: 2, verbose: 0, validationData: [val.x, val.ySparse] });
    const [valLoss, valAccuracy] = model.evaluate(val.x, val.ySparse);
    expect(history.history.val_loss[1]).toBeCloseTo(valLoss, 5);
    expect(history.history.val_accuracy[1]).toBeCloseTo(valAccuracy, 5);
  });

  it("accepts optimizers, losses and metrics by camelCase name and picks sparse accuracy for integer labels", () => {
    nn.seed(11);
    const { x, ySparse } = blobs(64);
    const model = classifier();
    model.compile({ optimizer: "rmsprop", loss: "sparseCategoricalCrossentropy", metrics: ["accuracy", "precision"] });
    const result = model.evaluate(x, ySparse, { returnDict: true });
    expect(Object.keys(result)).toEqual(["loss", "accuracy", "precision"]);
    const list = model.evaluate(x, ySparse);
    expect(list).toHaveLength(3);
    expect(list[0]).toBeCloseTo(result.loss, 5);
  });

  it("rejects an unknown loss by naming it and the known ones", () => {
    expect(() => classifier().compile({ optimizer: "adam", loss: "categorical_crossentropyy" })).toThrow(
      /Unknown loss "categorical_crossentropyy". Known loss identifiers: .*"categorical_crossentropy"/,
    );
  });

  it("predict gives one row per example and trainOnBatch / testOnBatch give the batch loss", () => {
    const { x, yOneHot } = blobs(10);
    const model = classifier();
    model.compile({ optimizer: "sgd", loss: "categorical_crossentropy" });
    expect(model.predict(x, { batchSize: 3 }).shape).toEqual([10, 2]);
    expect(typeof model.trainOnBatch(x, yOneHot)).toBe("number");
    expect(typeof model.testOnBatch(x, yOneHot)).toBe("number");
  });

  it("names both sample counts when x and y disagree, and keeps the weights", async () => {
    const model = classifier();
    model.compile({ optimizer: "adam", loss: "mse" });
    const before = model.getWeights().map((w) => w.dataSync());
    await expect(model.fit(nn.zeros([10, 2]), nn.zeros([9, 2]), { verbose: 0 })).rejects.toThrow(
      "fit: x has 10 samples (shape (10, 2)) but y has 9 (shape (9, 2)); they must match",
    );
    expect(model.getWeights().map((w) => w.dataSync())).toEqual(before);
  });

  it("names the model and both shapes when the data does not fit it", async () => {
    const model = classifier();
    model.compile({ optimizer: "adam", loss: "mse" });
    await expect(model.fit(nn.zeros([4, 3]), nn.zeros([4, 2]), { verbose: 0 })).rejects.toThrow(
      /Sequential "sequential(_\d+)?" was built for input \(None, 2\), but got input shape \(None, 3\)/,
    );
  });

  it("an interrupted fit (a callback throwing mid-epoch) keeps a usable model and the finished epochs in model.history", async () => {
    nn.seed(12);
    const { x, yOneHot } = blobs(64);
    const model = classifier();
    model.compile({ optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy"] });
    let batches = 0;
    const interrupt = {
      onBatchEnd(batch: number) {
        batches += 1;
        if (batches === 6) throw new Error(`interrupted at batch ${batch}`);
      },
    };
    await expect(
      model.fit(x, yOneHot, { batchSize: 16, epochs: 3, callbacks: [interrupt], verbose: 0 }),
    ).rejects.toThrow("interrupted at batch 1");
    expect(model.history!.epoch).toEqual([0]);
    expect(model.history!.history.loss).toHaveLength(1);
    expect(model.predict(x).shape).toEqual([64, 2]);
    const again = await model.fit(x, yOneHot, { batchSize: 16, epochs: 1, verbose: 0 });
    expect(Number.isFinite(again.history.loss[0])).toBe(true);
  });

  it("stopTraining mid-epoch ends fit after that batch, recording the partial epoch", async () => {
    const { x, yOneHot } = blobs(64);
    const model = classifier();
    model.compile({ optimizer: "adam", loss: "categorical_crossentropy" });
    const seen: number[] = [];
    const stopper = new keras.callbacks.Callback();
    stopper.onBatchEnd = (batch: number) => {
      seen.push(batch);
      if (batch === 1) stopper.model!.stopTraining = true;
    };
    const history = await model.fit(x, yOneHot, { batchSize: 16, epochs: 5, callbacks: [stopper], verbose: 0 });
    expect(seen).toEqual([0, 1]);
    expect(history.epoch).toEqual([0]);
  });

  it("trains a Sequential model without an Input from its first batch (built from the data)", () => {
    nn.seed(14);
    const model = keras.Sequential([
      layers.Dense(4, { activation: "relu" }),
      layers.Dense(2, { activation: "softmax" }),
    ]);
    model.compile({ optimizer: keras.optimizers.SGD({ learningRate: 0.5 }), loss: "categorical_crossentropy" });
    const { x, yOneHot } = blobs(16);
    const first = model.trainOnBatch(x, yOneHot) as number;
    expect(model.countParams()).toBe(2 * 4 + 4 + 4 * 2 + 2);
    expect(model.testOnBatch(x, yOneHot) as number).toBeLessThan(first);
  });

  it("yields to the event loop between batches", async () => {
    const { x, yOneHot } = blobs(64);
    const model = classifier();
    model.compile({ optimizer: "adam", loss: "categorical_crossentropy" });
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 0);
    let ticksAtSecondBatch = -1;
    await model.fit(x, yOneHot, {
      batchSize: 8,
      epochs: 1,
      verbose: 0,
      callbacks: [{ onBatchBegin: (b: number) => void (b === 7 && (ticksAtSecondBatch = ticks)) }],
    });
    clearInterval(timer);
    expect(ticksAtSecondBatch).toBeGreaterThan(0);
  });
});

describe("callbacks", () => {
  it("call user hooks in Keras's order", async () => {
    const { x, yOneHot } = blobs(8);
    const model = classifier();
    model.compile({ optimizer: "adam", loss: "categorical_crossentropy" });
    const calls: string[] = [];
    const hooks = {
      onTrainBegin: () => void calls.push("trainBegin"),
      onEpochBegin: (e: number) => void calls.push(`epochBegin ${e}`),
      onBatchBegin: (b: number) => void calls.push(`batchBegin ${b}`),
      onBatchEnd: (b: number) => void calls.push(`batchEnd ${b}`),
      onEpochEnd: (e: number) => void calls.push(`epochEnd ${e}`),
      onTrainEnd: () => void calls.push("trainEnd"),
    };
    await model.fit(x, yOneHot, { batchSize: 4, epochs: 1, callbacks: [hooks], verbose: 0 });
    expect(calls).toEqual([
      "trainBegin",
      "epochBegin 0",
      "batchBegin 0",
      "batchEnd 0",
      "batchBegin 1",
      "batchEnd 1",
      "epochEnd 0",
      "trainEnd",
    ]);
  });

  it("EarlyStopping stops when the monitored loss stops improving and restores the best weights", async () => {
    nn.seed(13);
    const { x, yOneHot } = blobs(40);
    const model = classifier();
    // A huge learning rate makes the loss jump around, so it soon stops improving.
    model.compile({ optimizer: keras.optimizers.SGD({ learningRate: 50 }), loss: "categorical_crossentropy" });
    const early = keras.callbacks.EarlyStopping({ monitor: "loss", patience: 1, restoreBestWeights: true });
    let best = Infinity;
    let bestWeights: Float32Array[] = [];
    const recorder = {
      onEpochEnd: (_e: number, logs: Record<string, number>) =>
        void (
          logs.loss < best &&
          ((best = logs.loss), (bestWeights = model.getWeights().map((w) => w.dataSync() as Float32Array)))
        ),
    };
    const history = await model.fit(x, yOneHot, {
      epochs: 30,
      batchSize: 40,
      shuffle: false,
      callbacks: [recorder, early],
      verbose: 0,
    });
    expect(history.epoch.length).toBeLessThan(30);
    expect(model.getWeights().map((w) => w.dataSync())).toEqual(bestWeights);
  });

  it("TerminateOnNaN stops at the first invalid batch loss with a warning naming the batch", async () => {
    const model = classifier();
    model.compile({ optimizer: "sgd", loss: "mse" });
    const x = nn.tensor([
      [1, 1],
      [1, 1],
      [NaN, 1],
      [1, 1],
    ]);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const history = await model.fit(x, nn.zeros([4, 2]), {
      batchSize: 1,
      epochs: 3,
      shuffle: false,
      callbacks: [keras.callbacks.TerminateOnNaN()],
      verbose: 0,
    });
    expect(warn.mock.calls[0][0]).toMatch(/TerminateOnNaN: batch 2 gave an invalid loss \(NaN\); terminating training/);
    warn.mockRestore();
    expect(history.epoch).toEqual([0]);
  });

  it("LearningRateScheduler sets the rate each epoch; ReduceLROnPlateau lowers it on a plateau", async () => {
    const { x, yOneHot } = blobs(8);
    const model = classifier();
    model.compile({ optimizer: keras.optimizers.SGD({ learningRate: 0 }), loss: "categorical_crossentropy" });
    const rates: number[] = [];
    await model.fit(x, yOneHot, {
      epochs: 3,
      verbose: 0,
      callbacks: [
        keras.callbacks.LearningRateScheduler((epoch) => 0.1 / (epoch + 1)),
        { onEpochEnd: () => void rates.push(model.optimizer!.learningRate) },
      ],
    });
    expect(rates).toEqual([0.1, 0.05, 0.1 / 3]);
    model.compile({ optimizer: keras.optimizers.SGD({ learningRate: 0 }), loss: "categorical_crossentropy" });
    const plateau = keras.callbacks.ReduceLROnPlateau({ monitor: "loss", factor: 0.5, patience: 1 });
    model.optimizer!.learningRate = 0.4;
    // A frozen model's loss cannot change: a perfect plateau.
    model.trainable = false;
    await model.fit(x, yOneHot, { epochs: 3, verbose: 0, callbacks: [plateau] });
    expect(model.optimizer!.learningRate).toBeCloseTo(0.1);
  });

  it("ModelCheckpoint with saveBestOnly writes only on improvement", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nnlab-ckpt-"));
    const { x, yOneHot } = blobs(32);
    const model = classifier();
    model.compile({ optimizer: keras.optimizers.Adam({ learningRate: 0.05 }), loss: "categorical_crossentropy" });
    const path = join(dir, "best-{epoch:02d}.safetensors");
    await model.fit(x, yOneHot, {
      epochs: 2,
      verbose: 0,
      callbacks: [keras.callbacks.ModelCheckpoint(path, { monitor: "loss", saveBestOnly: true })],
    });
    expect(existsSync(join(dir, "best-01.safetensors"))).toBe(true);
  });
});

describe("progress output", () => {
  it("updates one display in place with epoch, step and loss, and live curves under it, when the sink is rich", async () => {
    const shown: [MimeBundle, DisplayOptions | undefined][] = [];
    setDisplaySink({ rich: true, display: (b, o) => void shown.push([b, o]), clearOutput: () => undefined });
    try {
      const { x, yOneHot } = blobs(16);
      const model = classifier();
      model.compile({ optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy"] });
      await model.fit(x, yOneHot, { batchSize: 8, epochs: 2 });
    } finally {
      setDisplaySink(null);
    }
    const progress = shown.filter(([b]) => String(b["text/plain"]).startsWith("Epoch 1/2"));
    const ids = new Set(progress.map(([, o]) => o?.displayId));
    expect(ids.size).toBe(1);
    expect(progress.slice(1).every(([, o]) => o?.update === true)).toBe(true);
    const last = String(progress[progress.length - 1][0]["text/plain"]);
    expect(last).toMatch(
      /^Epoch 1\/2\n2\/2 ━+ \S+ \d+ms\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}\nEpoch 2\/2\n2\/2 ━+/,
    );
    const charts = shown.filter(([b]) => "application/vnd.plotly.v1+json" in b);
    expect(charts.length).toBeGreaterThan(0);
    expect(shown.indexOf(charts[0])).toBeGreaterThan(shown.indexOf(progress[0]));
    expect(new Set(charts.map(([, o]) => o?.displayId)).size).toBe(1);
  });
});

describe("rich display", () => {
  it("a model displays as Keras's summary table in text and HTML", () => {
    const model = classifier();
    const bundle = model[JUPYTER_DISPLAY]();
    expect(bundle["text/plain"]).toMatch(/Layer \(type\).*Output Shape.*Param #/);
    expect(bundle["text/plain"]).toContain(" Total params: 42 (168.00 B)");
    expect(bundle["text/html"]).toMatch(/<table>.*<td style="text-align:right">24<\/td>/);
  });

  it("a History displays as its training curves", async () => {
    const { x, yOneHot } = blobs(16);
    const model = classifier();
    model.compile({ optimizer: "adam", loss: "categorical_crossentropy" });
    const history = await model.fit(x, yOneHot, { epochs: 2, verbose: 0 });
    const bundle = history[JUPYTER_DISPLAY]();
    expect(bundle["text/plain"]).toMatch(/^History \(2 epochs; last: loss: \d\.\d{4}\)$/);
    expect(bundle).toHaveProperty(["application/vnd.plotly.v1+json"]);
  });
});

describe("freezing and sharing", () => {
  it("a frozen layer is counted non-trainable and not updated by fit", async () => {
    const { x, yOneHot } = blobs(16);
    const model = classifier();
    const first = model.layers[0];
    first.trainable = false;
    expect(model.trainableWeights.length).toBe(2);
    expect(model.nonTrainableWeights.map((w) => w.path)).toEqual([`${first.name}/kernel`, `${first.name}/bias`]);
    const frozen = first.getWeights().map((w) => w.dataSync());
    const head = model.layers[1].getWeights().map((w) => w.dataSync());
    model.compile({ optimizer: "adam", loss: "categorical_crossentropy" });
    await model.fit(x, yOneHot, { epochs: 1, verbose: 0 });
    expect(first.getWeights().map((w) => w.dataSync())).toEqual(frozen);
    expect(model.layers[1].getWeights().map((w) => w.dataSync())).not.toEqual(head);
  });

  it("freezing a whole model freezes every layer in it", () => {
    const model = classifier();
    model.trainable = false;
    expect(model.trainableWeights).toEqual([]);
    expect(model.layers.every((l) => !l.trainable)).toBe(true);
  });

  it("a new model built from an old model's layers shares their weights (transfer learning)", async () => {
    const base = classifier();
    const features = keras.Model({ inputs: base.inputs, outputs: base.layers[0].output });
    const head = keras.Sequential([features, layers.Dense(1, { activation: "sigmoid" })]);
    expect(head.layers[0].weights[0]).toBe(base.layers[0].weights[0]);
    head.compile({ optimizer: "adam", loss: "binary_crossentropy", metrics: ["accuracy"] });
    const before = base.layers[0].getWeights()[0].dataSync();
    await head.fit(nn.randn([8, 2]), nn.ones([8, 1]), { epochs: 1, verbose: 0 });
    expect(base.layers[0].getWeights()[0].dataSync()).not.toEqual(before);
    expect(base.getLayer(base.layers[0].name)).toBe(base.layers[0]);
  });

  it("setWeights checks shapes and names the weight", () => {
    const model = classifier();
    const dense = model.layers[0];
    expect(() => dense.setWeights([nn.zeros([3, 8]), nn.zeros([8])])).toThrow(
      `${dense.name}/kernel: cannot set a value of shape [3, 8] on a weight of shape [2, 8]`,
    );
  });
});

describe("custom layers", () => {
  it("create weights in build() with Keras's keyword addWeight, count them, and train", async () => {
    class Scale extends keras.layers.Layer {
      scale: Weight | null = null;
      override build(inputShape: InputShapes) {
        const shape = inputShape as (number | null)[];
        this.scale = this.addWeight({ name: "scale", shape: [shape[shape.length - 1] as number], initializer: "ones" });
      }
      override call(x: LayerInputs) {
        return (x as Tensor).mul(this.scale!.value);
      }
    }
    const model = keras.Sequential([
      keras.Input({ shape: [2] }),
      new Scale({ name: "scale" }),
      layers.Dense(2, { activation: "softmax" }),
    ]);
    expect(model.getLayer("scale").countParams()).toBe(2);
    expect(model.layers[0].lastOutputShape).toEqual([null, 2]);
    model.compile({ optimizer: keras.optimizers.SGD({ learningRate: 0.5 }), loss: "categorical_crossentropy" });
    const { x, yOneHot } = blobs(16);
    await model.fit(x, yOneHot, { epochs: 1, verbose: 0 });
    expect(Array.from(model.getLayer("scale").getWeights()[0].dataSync())).not.toEqual([1, 1]);
  });
});

describe("subclassed models", () => {
  it("train through their call() and track the layers in their fields", async () => {
    class TwoLayer extends keras.Model {
      hidden = layers.Dense(4, { activation: "relu" });
      out = layers.Dense(2, { activation: "softmax" });
      override call(x: Tensor) {
        return this.out(this.hidden(x));
      }
    }
    const model = new TwoLayer();
    model.compile({ optimizer: "adam", loss: "categorical_crossentropy" });
    const { x, yOneHot } = blobs(16);
    const history = await model.fit(x, yOneHot, { epochs: 2, verbose: 0 });
    expect(history.history.loss).toHaveLength(2);
    expect(model.layers.length).toBe(2);
    expect(model.countParams()).toBe(2 * 4 + 4 + 4 * 2 + 2);
  });
});
