/** save/loadModel and saveWeights/loadWeights: identical predictions, safetensors files, failures that change nothing. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { decodeSafetensors } from "../../runtime/keras/saving/safetensors";
import { nn } from "../../runtime/nn";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-save-"));

function cnn() {
  return keras.Sequential([
    keras.Input({ shape: [8, 8, 1] }),
    layers.Conv2D(4, 3, { activation: "relu", padding: "same" }),
    layers.BatchNormalization(),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dropout(0.25),
    layers.Dense(3, { activation: "softmax", kernelRegularizer: keras.regularizers.l2(0.01) }),
  ]);
}

describe("save and loadModel", () => {
  it("restore a trained Sequential model whose predictions are bit-identical", async () => {
    nn.seed(20);
    const model = cnn();
    model.compile({ optimizer: "adam", loss: "sparse_categorical_crossentropy", metrics: ["accuracy"] });
    const x = nn.randn([6, 8, 8, 1]);
    await model.fit(x, nn.tensor([0, 1, 2, 0, 1, 2]), { epochs: 2, verbose: 0 });
    const file = path.join(dir, "cnn.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel(file);
    expect(loaded.layers.map((l) => l.className)).toEqual(model.layers.map((l) => l.className));
    expect(loaded.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
    expect(loaded.countParams()).toBe(model.countParams());
  });

  it("restore a branching functional model with a shared layer", () => {
    const input = keras.Input({ shape: [5] });
    const shared = layers.Dense(4, { activation: "tanh" });
    const a = shared(input);
    const b = shared(layers.Dense(5)(input));
    const out = layers.Dense(2)(layers.Concatenate()([a, layers.Add()([a, b])]));
    const model = keras.Model({ inputs: input, outputs: out });
    const file = path.join(dir, "functional.safetensors");
    model.save(file);
    const loaded = keras.models.loadModel(file);
    const x = nn.randn([3, 5]);
    expect(loaded.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
  });

  it("write a safetensors file whose header parses as the spec says, with the architecture in __metadata__", () => {
    const model = cnn();
    const file = path.join(dir, "header.safetensors");
    model.save(file);
    const bytes = fs.readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8")) as {
      __metadata__: { nnlab_model: string };
    } & Record<string, unknown>;
    const conv = model.layers[0].name;
    expect(header[`${conv}/kernel`]).toEqual({ dtype: "F32", shape: [3, 3, 1, 4], data_offsets: [0, 144] });
    expect((JSON.parse(header.__metadata__.nnlab_model) as { className: string }).className).toBe("Sequential");
    const last = Object.entries(header)
      .filter(([k]) => k !== "__metadata__")
      .map(([, v]) => (v as { data_offsets: number[] }).data_offsets[1]);
    expect(bytes.length).toBe(8 + n + Math.max(...last));
  });

  it("refuse subclassed models with a way out", () => {
    class Net extends keras.Model {
      d = layers.Dense(2);
      override call(x: Parameters<typeof this.d.apply>[0]) {
        return this.d.apply(x);
      }
    }
    expect(() => new Net().save(path.join(dir, "sub.safetensors"))).toThrow(/subclassed model.*saveWeights/);
  });
});

describe("saveWeights and loadWeights", () => {
  it("copy weights between models of the same architecture", () => {
    const a = cnn();
    const b = cnn();
    const file = path.join(dir, "w.safetensors");
    a.saveWeights(file);
    b.loadWeights(file);
    const x = nn.randn([2, 8, 8, 1]);
    expect(b.predict(x).dataSync()).toEqual(a.predict(x).dataSync());
    expect(decodeSafetensors(fs.readFileSync(file)).tensors).toHaveLength(a.weights.length);
  });

  it("a load with a mismatched shape names the tensor and both shapes and changes nothing", () => {
    const small = keras.Sequential([keras.Input({ shape: [3] }), layers.Dense(2)]);
    const other = keras.Sequential([keras.Input({ shape: [4] }), layers.Dense(2)]);
    const file = path.join(dir, "small.safetensors");
    small.saveWeights(file);
    const before = other.getWeights().map((w) => w.dataSync());
    expect(() => other.loadWeights(file)).toThrow(
      /tensor ".*\/kernel" has shape \[3, 2\] but weight .*\/kernel has shape \[4, 2\]; the model was not changed/,
    );
    expect(other.getWeights().map((w) => w.dataSync())).toEqual(before);
  });

  it("a failed save leaves the previous file intact", () => {
    const model = cnn();
    const file = path.join(dir, "keep.safetensors");
    model.saveWeights(file);
    const good = fs.readFileSync(file);
    model.layers[model.layers.length - 1].name = "renamed";
    const blocked = path.join(dir, "blocked.safetensors");
    fs.mkdirSync(path.join(blocked, "inside"), { recursive: true });
    expect(() => model.saveWeights(blocked)).toThrow(/Could not save/);
    expect(fs.readFileSync(file)).toEqual(good);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
