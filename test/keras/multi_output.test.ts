/**
 * Functional models with several outputs (and several inputs), as Keras's:
 * per-output losses, loss weights and metrics in compile, targets as a list
 * or by output name, History and evaluate named and ordered as Keras does,
 * predict returning one tensor per output, and saving.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { KerasTensor, Model } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-multi-output-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** x [n, 4]; class 1 where x0 + x1 > 0 (one-hot), and a linear regression target x2 - 0.5 x3. */
function twoTasks(n: number) {
  const x = nn.randn([n, 4]);
  const v = x.dataSync();
  const labels = Array.from({ length: n }, (_, i) => (v[4 * i] + v[4 * i + 1] > 0 ? 1 : 0));
  const target = Array.from({ length: n }, (_, i) => [v[4 * i + 2] - 0.5 * v[4 * i + 3]]);
  return { x, yClass: keras.utils.toCategorical(labels, 2), yValue: nn.tensor(target) };
}

/** A shared trunk with a softmax classification head "cls" and a linear regression head "reg". */
function twoHeads(): Model<KerasTensor[]> {
  const input = keras.Input({ shape: [4] });
  const trunk = layers.Dense(16, { activation: "tanh", name: "trunk" })(input);
  const cls = layers.Dense(2, { activation: "softmax", name: "cls" })(trunk);
  const reg = layers.Dense(1, { name: "reg" })(trunk);
  return keras.Model({ inputs: input, outputs: [cls, reg] });
}

function kernelOf(model: Model<KerasTensor[]>, layer: string): Float32Array {
  return Float32Array.from(model.getLayer(layer).weights[0].read());
}

describe("a functional model with two outputs", () => {
  it("trains a classification head and a regression head on a shared trunk until both learn", async () => {
    nn.seed(21);
    const train = twoTasks(400);
    const test = twoTasks(200);
    const model = twoHeads();
    model.compile({
      optimizer: keras.optimizers.Adam({ learningRate: 0.02 }),
      loss: ["categorical_crossentropy", "mse"],
      metrics: { cls: ["accuracy"], reg: ["mse"] },
    });
    await model.fit(train.x, [train.yClass, train.yValue], { epochs: 25, batchSize: 32, verbose: 0 });
    const result = model.evaluate(test.x, [test.yClass, test.yValue], { returnDict: true });
    expect(result.cls_accuracy).toBeGreaterThan(0.9);
    // The target's variance is 1.25; a head that learned nothing scores about that.
    expect(result.reg_mean_squared_error).toBeLessThan(0.05);
  });

  it("names History keys as Keras does: loss, <output>_loss, <output>_<metric> and their val_ versions", async () => {
    keras.backend.clearSession();
    nn.seed(22);
    const { x, yClass, yValue } = twoTasks(40);
    const input = keras.Input({ shape: [4] });
    const trunk = layers.Dense(8, { activation: "relu" })(input);
    const model = keras.Model({
      inputs: input,
      outputs: [layers.Dense(2, { activation: "softmax" })(trunk), layers.Dense(1)(trunk)],
    });
    expect(model.outputNames).toEqual(["dense_1", "dense_2"]);
    model.compile({ optimizer: "adam", loss: ["categorical_crossentropy", "mse"], metrics: [["accuracy"], ["mae"]] });
    const history = await model.fit(x, [yClass, yValue], { epochs: 2, verbose: 0, validationSplit: 0.25 });
    expect(Object.keys(history.history)).toEqual([
      "loss",
      "dense_1_loss",
      "dense_2_loss",
      "dense_1_accuracy",
      "dense_2_mean_absolute_error",
      "val_loss",
      "val_dense_1_loss",
      "val_dense_2_loss",
      "val_dense_1_accuracy",
      "val_dense_2_mean_absolute_error",
    ]);
    expect(history.history.loss).toHaveLength(2);
  });

  it("applies a metrics list to every output and takes targets by output name", async () => {
    nn.seed(23);
    const { x, yClass, yValue } = twoTasks(24);
    const model = twoHeads();
    model.compile({ optimizer: "sgd", loss: { cls: "categorical_crossentropy", reg: "mse" }, metrics: ["mae"] });
    const byList = model.evaluate(x, [yClass, yValue], { returnDict: true });
    const byName = model.evaluate(x, { reg: yValue, cls: yClass }, { returnDict: true });
    expect(Object.keys(byList)).toEqual([
      "loss",
      "cls_loss",
      "reg_loss",
      "cls_mean_absolute_error",
      "reg_mean_absolute_error",
    ]);
    expect(byName).toEqual(byList);
    await model.fit(
      x,
      { cls: yClass, reg: yValue },
      { epochs: 1, verbose: 0, validationData: [x, { cls: yClass, reg: yValue }] },
    );
    expect(model.history!.history.val_reg_loss[0]).toBeCloseTo(
      model.evaluate(x, { cls: yClass, reg: yValue }, { returnDict: true }).reg_loss,
      5,
    );
  });

  it("evaluate returns [total loss, each output's loss, each output's metrics], the total being the weighted sum", () => {
    nn.seed(24);
    const { x, yClass, yValue } = twoTasks(50);
    const model = twoHeads();
    model.compile({
      optimizer: "adam",
      loss: ["categorical_crossentropy", "mse"],
      lossWeights: [0.25, 3],
      metrics: [["accuracy"], ["mse"]],
    });
    const list = model.evaluate(x, [yClass, yValue], { batchSize: 16 });
    const dict = model.evaluate(x, [yClass, yValue], { batchSize: 16, returnDict: true });
    expect(list).toEqual([dict.loss, dict.cls_loss, dict.reg_loss, dict.cls_accuracy, dict.reg_mean_squared_error]);
    expect(dict.loss).toBeCloseTo(0.25 * dict.cls_loss + 3 * dict.reg_loss, 5);
    expect(dict.reg_mean_squared_error).toBeCloseTo(dict.reg_loss, 5);
    const onBatch = model.testOnBatch(x, [yClass, yValue]) as number[];
    expect(onBatch).toHaveLength(5);
    onBatch.forEach((v, i) => expect(v).toBeCloseTo(list[i], 5));
    const trained = model.trainOnBatch(x, [yClass, yValue], { returnDict: true }) as Record<string, number>;
    expect(Object.keys(trained)).toEqual(Object.keys(dict));
    expect(trained.loss).toBeCloseTo(dict.loss, 5);
  });

  it("a zero loss weight leaves that head's weights unchanged by training while the other head and the trunk learn", async () => {
    nn.seed(25);
    const { x, yClass, yValue } = twoTasks(64);
    const model = twoHeads();
    model.compile({ optimizer: "adam", loss: ["categorical_crossentropy", "mse"], lossWeights: { reg: 0 } });
    const before = { reg: kernelOf(model, "reg"), cls: kernelOf(model, "cls"), trunk: kernelOf(model, "trunk") };
    await model.fit(x, [yClass, yValue], { epochs: 2, batchSize: 16, verbose: 0 });
    expect(kernelOf(model, "reg")).toEqual(before.reg);
    expect(kernelOf(model, "cls")).not.toEqual(before.cls);
    expect(kernelOf(model, "trunk")).not.toEqual(before.trunk);
  });

  it("the training step applies the gradients of the weighted total loss plus regularisation (finite differences)", () => {
    nn.seed(26);
    const input = keras.Input({ shape: [3] });
    const trunk = layers.Dense(3, { activation: "tanh", kernelRegularizer: keras.regularizers.l2(0.05) })(input);
    const model = keras.Model({
      inputs: input,
      outputs: [layers.Dense(2, { activation: "softmax" })(trunk), layers.Dense(1, { activation: "sigmoid" })(trunk)],
    });
    const x = nn.randn([5, 3]);
    const y = [keras.utils.toCategorical([0, 1, 1, 0, 1], 2), nn.tensor([[1], [0], [0], [1], [1]])];
    model.compile({
      optimizer: keras.optimizers.SGD({ learningRate: 1 }),
      loss: ["categorical_crossentropy", "binary_crossentropy"],
      lossWeights: [0.7, 1.6],
    });
    const totalLoss = () => (model.testOnBatch(x, y) as number[])[0];
    const before = model.weights.map((w) => w.read());
    const eps = 1e-3;
    const numeric = model.weights.map((w, k) =>
      Array.from(before[k], (_, i) => {
        const at = (delta: number) => {
          const v = Float32Array.from(before[k]);
          v[i] += delta;
          w.write(v);
          return totalLoss();
        };
        const slope = (at(eps) - at(-eps)) / (2 * eps);
        w.write(before[k]);
        return slope;
      }),
    );
    model.trainOnBatch(x, y);
    model.weights.forEach((w, k) => {
      const step = Array.from(w.read(), (after, i) => before[k][i] - after);
      step.forEach((g, i) =>
        expect(
          Math.abs(g - numeric[k][i]),
          `${w.path}[${i}]: step ${g}, finite difference ${numeric[k][i]}`,
        ).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric[k][i])),
      );
    });
  });

  it("computes each output's crossentropy from the logits behind its softmax or sigmoid", () => {
    const input = keras.Input({ shape: [1] });
    const soft = layers.Dense(2, { activation: "softmax", name: "soft" });
    const sig = layers.Dense(1, { activation: "sigmoid", name: "sig" });
    const model = keras.Model({ inputs: input, outputs: [soft(input), sig(input)] });
    soft.setWeights([nn.tensor([[-30, 30]]), nn.tensor([0, 0])]);
    sig.setWeights([nn.tensor([[40]]), nn.tensor([0])]);
    model.compile({ loss: ["categorical_crossentropy", "binary_crossentropy"] });
    // Confidently wrong on both: from the logits the losses are 60 and 40; clipped probabilities would cap them near 16.1.
    const [, softLoss, sigLoss] = model.evaluate(nn.tensor([[1]]), [nn.tensor([[1, 0]]), nn.tensor([[0]])]);
    expect(softLoss).toBeCloseTo(60, 3);
    expect(sigLoss).toBeCloseTo(40, 3);
  });

  it("predict returns one tensor per output; outputShape and summary show both heads", () => {
    nn.seed(27);
    const model = twoHeads();
    const [probabilities, values] = model.predict(nn.randn([70, 4]), { batchSize: 32 });
    expect(probabilities.shape).toEqual([70, 2]);
    expect(values.shape).toEqual([70, 1]);
    expect(model.outputShape).toEqual([
      [null, 2],
      [null, 1],
    ]);
    const lines: string[] = [];
    model.summary({ print: (l) => lines.push(l) });
    expect(lines.join("\n")).toMatch(/cls \(Dense\)\s+│ \(None, 2\)\s+│\s+34 │/);
    expect(lines.join("\n")).toMatch(/reg \(Dense\)\s+│ \(None, 1\)\s+│\s+17 │/);
  });

  it("save and keras.models.loadModel round-trip it with bit-identical predictions", () => {
    nn.seed(28);
    const model = twoHeads();
    const x = nn.randn([9, 4]);
    const file = path.join(dir, "two_heads.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel<KerasTensor[]>(file);
    expect(loaded.outputNames).toEqual(["cls", "reg"]);
    const expected = model.predict(x);
    const got = loaded.predict(x);
    expect(got).toHaveLength(2);
    got.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(expected[i].dataSync())));
  });
});

describe("a functional model with outputs given as an object", () => {
  it("names its outputs by the keys: predict returns an object, losses, metrics and targets go by key, and saving keeps the structure", async () => {
    nn.seed(29);
    const { x, yClass, yValue } = twoTasks(32);
    const input = keras.Input({ shape: [4] });
    const trunk = layers.Dense(8, { activation: "tanh" })(input);
    const model = keras.Model({
      inputs: input,
      outputs: { label: layers.Dense(2, { activation: "softmax" })(trunk), value: layers.Dense(1)(trunk) },
    });
    expect(model.outputNames).toEqual(["label", "value"]);
    expect(model.outputShape).toEqual({ label: [null, 2], value: [null, 1] });
    model.compile({
      optimizer: "adam",
      loss: { label: "categorical_crossentropy", value: "mse" },
      metrics: { label: ["accuracy"] },
    });
    const history = await model.fit(x, { label: yClass, value: yValue }, { epochs: 1, verbose: 0 });
    expect(Object.keys(history.history)).toEqual(["loss", "label_loss", "value_loss", "label_accuracy"]);
    const predicted = model.predict(x);
    expect(predicted.label.shape).toEqual([32, 2]);
    expect(predicted.value.shape).toEqual([32, 1]);
    const file = path.join(dir, "named.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel<Record<string, KerasTensor>>(file);
    expect(loaded.outputNames).toEqual(["label", "value"]);
    const again = loaded.predict(x);
    expect(Array.from(again.value.dataSync())).toEqual(Array.from(predicted.value.dataSync()));
    expect(Array.from(again.label.dataSync())).toEqual(Array.from(predicted.label.dataSync()));
  });
});

describe("a functional model with two inputs", () => {
  /** Branch "a" sees [n, 3], branch "b" [n, 2]; the heads predict sum(a) and sum(b) - the first of a. */
  function twoBranches(): Model<KerasTensor[]> {
    const a = keras.Input({ shape: [3], name: "a" });
    const b = keras.Input({ shape: [2], name: "b" });
    const merged = layers.Concatenate()([
      layers.Dense(8, { activation: "tanh" })(a),
      layers.Dense(8, { activation: "tanh" })(b),
    ]);
    return keras.Model({
      inputs: [a, b],
      outputs: [layers.Dense(1, { name: "sum_a" })(merged), layers.Dense(1, { name: "mixed" })(merged)],
    });
  }

  function targets(a: Tensor, b: Tensor): Tensor[] {
    const av = a.dataSync();
    const bv = b.dataSync();
    const n = a.shape[0];
    const sumA = Array.from({ length: n }, (_, i) => [av[3 * i] + av[3 * i + 1] + av[3 * i + 2]]);
    const mixed = Array.from({ length: n }, (_, i) => [bv[2 * i] + bv[2 * i + 1] - av[3 * i]]);
    return [nn.tensor(sumA), nn.tensor(mixed)];
  }

  it("trains on concatenated branches from a list of inputs; shuffling keeps every input and target row together", async () => {
    nn.seed(31);
    const a = nn.randn([300, 3]).mul(0.5);
    const b = nn.randn([300, 2]).mul(0.5);
    const model = twoBranches();
    model.compile({ optimizer: keras.optimizers.Adam({ learningRate: 0.02 }), loss: "mse" });
    const history = await model.fit([a, b], targets(a, b), {
      epochs: 30,
      batchSize: 32,
      shuffle: true,
      validationSplit: 0.2,
      verbose: 0,
    });
    // Both targets have variance 0.75; inputs shuffled apart from their targets could not fall far below it.
    expect(history.history.val_sum_a_loss.at(-1)).toBeLessThan(0.03);
    expect(history.history.val_mixed_loss.at(-1)).toBeLessThan(0.03);
  });

  it("predicts from a list of inputs, batch by batch", () => {
    nn.seed(32);
    const model = twoBranches();
    const a = nn.randn([5, 3]);
    const b = nn.randn([5, 2]);
    const whole = model.predict([a, b]);
    const batched = model.predict([a, b], { batchSize: 2 });
    whole.forEach((t, i) => expect(Array.from(batched[i].dataSync())).toEqual(Array.from(t.dataSync())));
  });

  it("takes inputs as an object by input name, in any key order", () => {
    nn.seed(33);
    const model = twoBranches();
    const a = nn.randn([4, 3]);
    const b = nn.randn([4, 2]);
    const byList = model.predict([a, b]);
    const byName = model.predict({ b, a });
    byList.forEach((t, i) => expect(Array.from(byName[i].dataSync())).toEqual(Array.from(t.dataSync())));
    model.compile({ loss: "mse" });
    expect(model.evaluate({ a, b }, targets(a, b))).toEqual(model.evaluate([a, b], targets(a, b)));
    expect(() => model.predict({ a, c: b })).toThrow(/there is no input named "c"; the inputs are a, b/);
  });
});

describe("multi-output and multi-input errors name the problem", () => {
  const data = () => twoTasks(8);

  it("a wrong number of targets", () => {
    const model = twoHeads();
    model.compile({ loss: "mse" });
    const { x, yClass } = data();
    expect(() => model.evaluate(x, [yClass])).toThrow(/the model has 2 outputs \(cls, reg\) but got 1 target array/);
    expect(() => model.evaluate(x, yClass)).toThrow(/the model has 2 outputs \(cls, reg\) but got one target/);
  });

  it("a loss, lossWeights or metrics object naming an unknown output, and a loss list of the wrong length", () => {
    const model = twoHeads();
    expect(() => model.compile({ loss: { cls: "categorical_crossentropy", regression: "mse" } })).toThrow(
      /loss names output "regression", but the model's outputs are "cls", "reg"/,
    );
    expect(() => model.compile({ loss: { cls: "categorical_crossentropy" } })).toThrow(
      /loss has no entry for output "reg"/,
    );
    expect(() => model.compile({ loss: "mse", lossWeights: { out: 1 } })).toThrow(/lossWeights names output "out"/);
    expect(() => model.compile({ loss: "mse", metrics: { clss: ["accuracy"] } })).toThrow(
      /metrics names output "clss"/,
    );
    expect(() => model.compile({ loss: ["mse"] })).toThrow(/loss has 1 entries but the model has 2 output\(s\)/);
  });

  it("a target object naming an unknown output", () => {
    const model = twoHeads();
    model.compile({ loss: "mse" });
    const { x, yClass, yValue } = data();
    expect(() => model.evaluate(x, { cls: yClass, value: yValue })).toThrow(
      /there is no output named "value"; the outputs are cls, reg/,
    );
  });

  it("mismatched batch sizes across inputs and targets", () => {
    const model = twoHeads();
    model.compile({ loss: "mse" });
    const { x, yClass, yValue } = data();
    expect(() => model.evaluate(x, [yClass, yValue.slice([0, 0], [5, 1])])).toThrow(
      /x has 8 samples \(shape \(8, 4\)\) but y\[1\] has 5 \(shape \(5, 1\)\)/,
    );
    const a = keras.Input({ shape: [2] });
    const b = keras.Input({ shape: [2] });
    const twoInputs = keras.Model({ inputs: [a, b], outputs: layers.Add()([a, b]) });
    twoInputs.compile({ loss: "mse" });
    expect(() => twoInputs.evaluate([nn.zeros([4, 2]), nn.zeros([3, 2])], nn.zeros([4, 2]))).toThrow(
      /x\[0\] has 4 samples .* but x\[1\] has 3/,
    );
    expect(() => twoInputs.predict(nn.zeros([4, 2]))).toThrow(/the model has 2 inputs .* but got 1 array/);
  });

  it("calling a two-output model as a layer, and two outputs from one layer", () => {
    const model = twoHeads();
    expect(() => model.apply(nn.zeros([1, 4]))).toThrow(
      /has 2 outputs \(cls, reg\) and cannot be called as a layer; use model.predict\(x\)/,
    );
    const input = keras.Input({ shape: [2] });
    const out = layers.Dense(1)(input);
    expect(() => keras.Model({ inputs: input, outputs: [out, out] })).toThrow(
      /two outputs come from layer "dense(_\d+)?"/,
    );
  });
});
