/**
 * TensorFlow.js layers models both ways, against the real @tensorflow/tfjs-layers: tfjs builds and saves seeded
 * models, nnlab loads them and predicts the same; nnlab saves, tfjs loads and predicts the same. Tolerance 1e-5
 * (both compute in float32; the differences are summation order). Errors name the file, the layer and the shapes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { Model } from "../../runtime/keras/models/model";
import { nn } from "../../runtime/nn";
import { maxAbsDiff, seedTfjsWeights, tf, tfjsLoad, tfjsPredict, tfjsReady, tfjsSave, tfl } from "./tfjs_helpers";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-tfjs-"));
const TOLERANCE = 1e-5;

beforeAll(tfjsReady);

/** Seeded inputs: uniform in [-1, 1), or token ids below `integers`. */
function inputs(shape: number[], seed: number, integers?: number): Float32Array {
  nn.seed(seed);
  const x = integers ? nn.randint(0, integers, shape) : nn.rand(shape, { low: -1, high: 1 });
  return Float32Array.from(x.dataSync());
}

/** tfjs's LSTM and GRU default to hard_sigmoid gates, which nnlab lacks; these models use sigmoid as Keras 3 does. */
const gates = { recurrentActivation: "sigmoid", recurrentInitializer: "orthogonal" } as const;

function tfjsCnn(): tfl.LayersModel {
  const m = tfl.sequential({ name: "cnn" });
  m.add(tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: "same", activation: "relu" }));
  m.add(tfl.layers.batchNormalization());
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 5, kernelSize: [2, 3], strides: 1, activation: "tanh" }));
  m.add(tfl.layers.averagePooling2d({ poolSize: 2, strides: 1 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dropout({ rate: 0.5 }));
  m.add(tfl.layers.dense({ units: 3, activation: "softmax" }));
  return m;
}

function tfjsRnn(): tfl.LayersModel {
  const tokens = tfl.input({ shape: [7], name: "tokens" });
  const embedded = tfl.layers.embedding({ inputDim: 12, outputDim: 4 }).apply(tokens) as tfl.SymbolicTensor;
  const seq = tfl.layers
    .bidirectional({ layer: tfl.layers.lstm({ units: 5, returnSequences: true, ...gates }) })
    .apply(embedded) as tfl.SymbolicTensor;
  const gru = tfl.layers.gru({ units: 3, ...gates }).apply(seq) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling1d().apply(seq) as tfl.SymbolicTensor;
  const merged = tfl.layers.concatenate().apply([gru, pooled]) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, activation: "sigmoid" }).apply(merged) as tfl.SymbolicTensor;
  return tfl.model({ inputs: tokens, outputs: out, name: "rnn" });
}

async function tfjsToNnlab(model: tfl.LayersModel, name: string, x: Float32Array, shape: number[]) {
  seedTfjsWeights(model, 7);
  const target = path.join(dir, name);
  await tfjsSave(model, target);
  const loaded = keras.models.loadModel(target);
  const ours = loaded.predict(nn.tensor(x, shape)).dataSync();
  const theirs = tfjsPredict(model, x, shape);
  return { loaded, diff: maxAbsDiff(ours, theirs) };
}

describe("TensorFlow.js model.json: tfjs saves, nnlab loads", () => {
  it("a Sequential CNN (Conv2D, BatchNormalization, max and average pooling, Flatten, Dropout, Dense) predicts what tfjs predicts", async () => {
    const shape = [4, 8, 8, 3];
    const { loaded, diff } = await tfjsToNnlab(tfjsCnn(), "cnn", inputs(shape, 1), shape);
    expect(loaded.layers.map((l) => l.className)).toEqual([
      "Conv2D",
      "BatchNormalization",
      "MaxPooling2D",
      "Conv2D",
      "AveragePooling2D",
      "Flatten",
      "Dropout",
      "Dense",
    ]);
    console.log(`tfjs -> nnlab CNN: max |difference| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(TOLERANCE);
  });

  it("a functional model (Embedding, Bidirectional LSTM, GRU, global pooling, Concatenate, Dense) predicts what tfjs predicts", async () => {
    const shape = [3, 7];
    const { loaded, diff } = await tfjsToNnlab(tfjsRnn(), "rnn", inputs(shape, 2, 12), shape);
    expect(loaded.countParams()).toBe(tfjsRnn().countParams());
    console.log(`tfjs -> nnlab RNN: max |difference| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(TOLERANCE);
  });

  it("quantized weights (uint8, uint16, float16) decode to the values tfjs's own decodeWeights gives", async () => {
    const model = tfjsCnn();
    seedTfjsWeights(model, 3);
    const target = path.join(dir, "quantized");
    await tfjsSave(model, target, 1);
    const json = JSON.parse(fs.readFileSync(path.join(target, "model.json"), "utf8")) as tf.io.ModelJSON;
    const specs = json.weightsManifest[0].weights;
    const chunks: Uint8Array[] = [];
    const kinds = ["uint8", "uint16", "float16"] as const;
    const quantized = specs.map((spec, i) => {
      const values = model.getWeights()[i].dataSync() as Float32Array;
      const dtype = kinds[i % 3];
      const min = Math.min(...values);
      const levels = dtype === "uint8" ? 255 : 65535;
      const scale = (Math.max(...values) - min) / levels || 1;
      if (dtype === "float16") {
        const half = new Uint16Array(values.length);
        values.forEach((v, k) => (half[k] = toHalf(v)));
        chunks.push(new Uint8Array(half.buffer));
        return { ...spec, quantization: { dtype } };
      }
      const q = dtype === "uint8" ? new Uint8Array(values.length) : new Uint16Array(values.length);
      values.forEach((v, k) => (q[k] = Math.round((v - min) / scale)));
      chunks.push(new Uint8Array(q.buffer));
      return { ...spec, quantization: { dtype, scale, min } };
    });
    const bytes = Buffer.concat(chunks);
    fs.writeFileSync(path.join(target, "group1-shard1of1.bin"), bytes);
    json.weightsManifest = [{ paths: ["group1-shard1of1.bin"], weights: quantized }];
    fs.writeFileSync(path.join(target, "model.json"), JSON.stringify(json));

    const loaded = keras.models.loadModel(path.join(target, "model.json"));
    const expected = tf.io.decodeWeights(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
      quantized,
    );
    const ours = new Map<string, Float32Array>(
      loaded.layers.flatMap((l) => l.weights.map((w) => [`${l.name}/${w.name}`, w.read()] as const)),
    );
    expect(ours.size).toBe(specs.length);
    for (const spec of specs) {
      const theirs = expected[spec.name].dataSync() as Float32Array;
      expect(maxAbsDiff(ours.get(spec.name)!, theirs), `weight ${spec.name}`).toBe(0);
    }
  });
});

/** IEEE 754 half precision bits of a float (round to nearest). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const frac = bits & 0x7fffff;
  if (exp <= 0) return sign | Math.round((frac | 0x800000) / 2 ** (14 - exp));
  return sign | ((exp << 10) + Math.round(frac / 8192));
}

function nnlabCnn() {
  return keras.Sequential([
    keras.Input({ shape: [8, 8, 3] }),
    layers.Conv2D(4, 3, { padding: "same", activation: "relu" }),
    layers.BatchNormalization(),
    layers.MaxPooling2D(2),
    layers.Conv2D(5, [2, 3], { activation: "tanh" }),
    layers.AveragePooling2D({ poolSize: 2, strides: 1 }),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(3, { activation: "softmax" }),
  ]);
}

function nnlabRnn(resetAfter: boolean) {
  const tokens = keras.Input({ shape: [7], name: "tokens" });
  const embedded = layers.Embedding(12, 4)(tokens);
  const seq = layers.Bidirectional(layers.LSTM(5, { returnSequences: true }))(embedded);
  const gru = layers.GRU(3, { resetAfter })(seq);
  const pooled = layers.GlobalAveragePooling1D()(seq);
  const out = layers.Dense(2, { activation: "sigmoid" })(layers.Concatenate()([gru, pooled]));
  return keras.Model({ inputs: tokens, outputs: out, name: "rnn" });
}

/** Moves BatchNormalization's statistics away from 0 and 1 so that loading them is tested. */
function perturbStatistics(model: Model) {
  nn.seed(11);
  for (const w of model.weights) {
    if (w.name.startsWith("moving_"))
      w.write(nn.rand([...w.shape], { low: 0.5, high: 1.5 }).dataSync() as Float32Array);
  }
}

async function nnlabToTfjs(model: Model, target: string, x: Float32Array, shape: number[]) {
  model.save(target);
  const file = target.replace(/^file:\/\//, "");
  const loaded = await tfjsLoad(file.endsWith(".json") ? file : path.join(file, "model.json"));
  const theirs = tfjsPredict(loaded, x, shape);
  const ours = model.predict(nn.tensor(x, shape)).dataSync();
  return { loaded, diff: maxAbsDiff(ours, theirs) };
}

describe("TensorFlow.js model.json: nnlab saves, tfjs loads", () => {
  it("the Sequential CNN, saved into a directory, predicts in tfjs what it predicts in nnlab", async () => {
    nn.seed(5);
    const model = nnlabCnn();
    perturbStatistics(model);
    const shape = [4, 8, 8, 3];
    const { loaded, diff } = await nnlabToTfjs(model, `file://${path.join(dir, "ours-cnn")}`, inputs(shape, 4), shape);
    expect(fs.readdirSync(path.join(dir, "ours-cnn")).sort()).toEqual(["model.json", "weights.bin"]);
    expect(loaded.countParams()).toBe(model.countParams());
    console.log(`nnlab -> tfjs CNN: max |difference| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(TOLERANCE);
  });

  it("the functional RNN (GRU with reset_after false) predicts in tfjs what it predicts in nnlab", async () => {
    nn.seed(6);
    const model = nnlabRnn(false);
    const shape = [3, 7];
    const { diff } = await nnlabToTfjs(model, path.join(dir, "ours-rnn.json"), inputs(shape, 5, 12), shape);
    const predicted = model.predict(nn.tensor(inputs(shape, 5, 12), shape)).dataSync();
    expect(new Set(predicted).size, "the predictions depend on the input").toBe(predicted.length);
    expect(fs.existsSync(path.join(dir, "ours-rnn.weights.bin"))).toBe(true);
    console.log(`nnlab -> tfjs RNN: max |difference| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(TOLERANCE);
  });

  it("a file nnlab wrote loads back into nnlab with bit-identical predictions", () => {
    nn.seed(8);
    const model = nnlabRnn(false);
    const target = `file://${path.join(dir, "round-trip")}/`;
    model.save(target);
    const loaded = keras.models.loadModel(target);
    const x = nn.tensor(inputs([2, 7], 9, 12), [2, 7]);
    expect(loaded.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
  });
});

describe("TensorFlow.js model.json: errors name the file, the layer and the shapes", () => {
  const saved = path.join(dir, "errors-source");
  let json: string;
  beforeAll(async () => {
    const model = tfjsCnn();
    seedTfjsWeights(model, 1);
    await tfjsSave(model, saved, 1);
    json = fs.readFileSync(path.join(saved, "model.json"), "utf8");
  });

  /** A copy of the saved model with model.json edited and the shard cut to `bytes` bytes. */
  function variant(name: string, edit: (j: tf.io.ModelJSON) => void, bytes?: number): string {
    const target = path.join(dir, name);
    fs.mkdirSync(target, { recursive: true });
    const j = JSON.parse(json) as tf.io.ModelJSON;
    edit(j);
    fs.writeFileSync(path.join(target, "model.json"), JSON.stringify(j));
    const shard = fs.readFileSync(path.join(saved, "group1-shard1of1.bin"));
    fs.writeFileSync(path.join(target, "group1-shard1of1.bin"), shard.subarray(0, bytes ?? shard.length));
    return path.join(target, "model.json");
  }

  it("a truncated weight shard names the file, the weight and the byte count", () => {
    const file = variant("truncated", () => {}, 100);
    expect(() => keras.models.loadModel(file)).toThrow(
      new RegExp(
        `shards of ${file} \\(group1-shard1of1.bin\\) hold 100 bytes, too few for weight "conv2d_\\w+/kernel" \\[3, 3, 3, 4\\] at byte 0; a truncated file`,
      ),
    );
  });

  it("a foreign file (not JSON, or a graph model) says what it is", () => {
    const garbage = path.join(dir, "garbage.json");
    fs.writeFileSync(garbage, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    expect(() => keras.models.loadModel(garbage)).toThrow(
      `${garbage} is not a TensorFlow.js model.json: it is not JSON`,
    );
    const graph = variant("graph", (j) => (j.format = "graph-model"));
    expect(() => keras.models.loadModel(graph)).toThrow(`${graph} is a TensorFlow.js "graph-model"`);
  });

  it("a missing weight names the layer and the weights it has", () => {
    const file = variant("missing", (j) => {
      j.weightsManifest[0].weights = j.weightsManifest[0].weights.filter((w) => !/^dense_\w+\/bias$/.test(w.name));
    });
    expect(() => keras.models.loadModel(file)).toThrow(
      /model.json has 1 weights for Dense "(dense_\w+)" \(\1\/kernel\) but the layer has 2 \(kernel, bias\); the model was not changed/,
    );
  });

  it("a shape that does not fit names the weight, the layer and both shapes", () => {
    const file = variant("shape", (j) => {
      const kernel = j.weightsManifest[0].weights.find((w) => /^dense_\w+\/kernel$/.test(w.name))!;
      kernel.shape = [kernel.shape[1], kernel.shape[0]];
    });
    expect(() => keras.models.loadModel(file)).toThrow(
      /shape\/model.json: "(dense_\w+)\/kernel" has shape \[3, 10\] but Dense "\1" expects kernel of shape \[10, 3\]; the model was not changed/,
    );
  });

  it("tfjs's default hard_sigmoid gates and a GRU with reset_after are refused with the way out", async () => {
    const m = tfl.sequential();
    m.add(tfl.layers.lstm({ inputShape: [3, 2], units: 2, recurrentInitializer: "glorotUniform" }));
    const target = path.join(dir, "hard-sigmoid");
    await tfjsSave(m, target, 1);
    expect(() => keras.models.loadModel(target)).toThrow(
      /layer "lstm_LSTM\d+" \(LSTM\): its recurrent_activation is "hard_sigmoid".*recurrentActivation: "sigmoid"/,
    );
    expect(() => nnlabRnn(true).save(path.join(dir, "gru.json"))).toThrow(
      /GRU "gru\w*" has resetAfter: true .*resetAfter: false/,
    );
    expect(fs.existsSync(path.join(dir, "gru.json"))).toBe(false);
  });

  it("a layer class nnlab lacks names the class and the file", () => {
    const file = variant("unknown", (j) => {
      const layers_ = (j.modelTopology as { config: { layers: { class_name: string }[] } }).config.layers;
      layers_[5].class_name = "Cropping3D";
    });
    expect(() => keras.models.loadModel(file)).toThrow(`${file}: Cannot load a layer of class "Cropping3D"`);
  });
});
