/**
 * Weights under PyTorch's state_dict names and layouts, against real torch: torch-written fixtures (committed, with
 * test/fixtures/pytorch/torch_models.py that wrote them) load into the nnlab twins and predict what torch predicted;
 * where a Python with torch and safetensors is found (NNLAB_TORCH_PYTHON, else .venv-torch/ in the checkout), nnlab's exports
 * load in torch with load_state_dict(strict=True) and predict the same, and torch writes fresh files nnlab imports.
 * Tolerance 1e-5 (float32 on both sides).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { Model } from "../../runtime/keras/models/model";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/keras/saving/safetensors";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { lectureCnn } from "./lecture_cnn";
import { maxAbsDiff } from "./tfjs_helpers";

const TOLERANCE = 1e-5;
const fixtures = path.join(__dirname, "..", "fixtures", "pytorch");
const script = path.join(fixtures, "torch_models.py");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-torch-"));

/** The nnlab twins of torch_models.py's models, and the torch module names of their layers with weights. */
const CASES: Record<string, { build: () => Model; names: string[]; image: boolean }> = {
  cnn: { build: lectureCnn, names: ["0", "3", "8"], image: true },
  conv_bn: {
    build: () =>
      keras.Sequential([
        keras.Input({ shape: [6, 6, 2] }),
        layers.Conv2D(3, 3, { padding: "same" }),
        layers.BatchNormalization(),
        layers.ReLU(),
        layers.Flatten(),
        layers.Dense(4),
      ]),
    names: ["0", "1", "4"],
    image: true,
  },
  rnn: {
    build: () => {
      const tokens = keras.Input({ shape: [7] });
      const sequence = layers.Bidirectional(layers.LSTM(5, { returnSequences: true }))(layers.Embedding(12, 4)(tokens));
      return keras.Model({ inputs: tokens, outputs: layers.Dense(2)(layers.GRU(3)(sequence)) });
    },
    names: ["embedding", "lstm", "gru", "dense"],
    image: false,
  },
  sequence: {
    build: () =>
      keras.Sequential([
        keras.Input({ shape: [9, 3] }),
        layers.Conv1D(4, 3),
        layers.LayerNormalization(),
        layers.SimpleRNN(5, { returnSequences: true }),
        layers.LSTM(3),
        layers.Dense(2),
      ]),
    names: ["conv", "norm", "rnn", "lstm", "dense"],
    image: false,
  },
};

function readIo(file: string): { x: Tensor; y: Float32Array } {
  const { tensors } = decodeSafetensors(fs.readFileSync(file), file);
  const x = tensors.find((t) => t.name === "x")!;
  const y = tensors.find((t) => t.name === "y")!;
  return { x: nn.tensor(x.data, [...x.shape]), y: y.data };
}

/** torch's NCHW images as nnlab's NHWC, and back. */
const toNhwc = (x: Tensor, image: boolean) => (image ? x.transpose([0, 2, 3, 1]) : x);
const toNchw = (x: Tensor, image: boolean) => (image ? x.transpose([0, 3, 1, 2]) : x);

function importAndCompare(from: string, name: string): number {
  const { build, names, image } = CASES[name];
  const model = build();
  keras.saving.importPytorchStateDict(model, path.join(from, `${name}.safetensors`), { names });
  const { x, y } = readIo(path.join(from, `${name}_io.safetensors`));
  return maxAbsDiff(model.predict(toNhwc(x, image)).dataSync(), y);
}

/** A Python that imports torch and safetensors, or the reason there is none. */
function findTorchPython(): { python: string | null; why: string } {
  const candidates = [
    process.env.NNLAB_TORCH_PYTHON,
    path.join(__dirname, "..", "..", ".venv-torch", "bin", "python"),
    "/work/venvs/torch/bin/python",
  ].filter(Boolean) as string[];
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import torch, safetensors"], { encoding: "utf8" });
    if (r.status === 0) return { python, why: "" };
  }
  return {
    python: null,
    why: `no Python with torch and safetensors (tried ${candidates.join(", ")}); set NNLAB_TORCH_PYTHON to run the live PyTorch checks`,
  };
}

const torch = findTorchPython();
if (!torch.python) console.warn(`pytorch.test.ts: SKIPPING the live PyTorch checks: ${torch.why}`);

function runTorch(...args: string[]): string {
  const r = spawnSync(torch.python!, [script, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`torch_models.py ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

describe("PyTorch state_dict: torch writes, nnlab imports", () => {
  for (const name of Object.keys(CASES)) {
    it(`the committed torch fixture "${name}" predicts in nnlab what it predicted in torch`, () => {
      const diff = importAndCompare(fixtures, name);
      console.log(`torch fixture -> nnlab ${name}: max |difference| ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(TOLERANCE);
    });
  }

  it.skipIf(!torch.python)(`files torch writes now import with the same predictions ${torch.why}`, () => {
    const fresh = path.join(dir, "fresh");
    fs.mkdirSync(fresh);
    runTorch("write", fresh);
    for (const name of Object.keys(CASES)) expect(importAndCompare(fresh, name), name).toBeLessThan(TOLERANCE);
  });
});

describe("PyTorch state_dict: nnlab exports, torch loads", () => {
  it("names and layouts are torch's: Linear weight [out, in], NCHW kernels, LSTM/GRU weights, BatchNorm statistics", () => {
    const file = path.join(dir, "names.safetensors");
    const model = CASES.conv_bn.build();
    keras.saving.exportPytorchStateDict(model, file, { names: CASES.conv_bn.names });
    const shapes = Object.fromEntries(decodeSafetensors(fs.readFileSync(file)).tensors.map((t) => [t.name, t.shape]));
    expect(shapes).toEqual({
      "0.weight": [3, 2, 3, 3],
      "0.bias": [3],
      "1.weight": [3],
      "1.bias": [3],
      "1.running_mean": [3],
      "1.running_var": [3],
      "1.num_batches_tracked": [],
      "4.weight": [4, 108],
      "4.bias": [4],
    });
    const rnn = CASES.rnn.build();
    keras.saving.exportPytorchStateDict(rnn, file);
    const names = decodeSafetensors(fs.readFileSync(file)).tensors.map((t) => t.name);
    const [bidi, gru] = rnn.layers.filter((l) => ["Bidirectional", "GRU"].includes(l.className)).map((l) => l.name);
    expect(names).toContain(`${bidi}.weight_hh_l0_reverse`);
    expect(names).toContain(`${gru}.bias_hh_l0`);
  });

  it.skipIf(!torch.python)(
    `torch's load_state_dict(strict=True) takes every export and predicts the same ${torch.why}`,
    () => {
      const out = path.join(dir, "exported");
      fs.mkdirSync(out);
      nn.seed(3);
      for (const [name, { build, names, image }] of Object.entries(CASES)) {
        const model = build();
        // BatchNormalization's statistics away from 0 and 1, so that their layout counts.
        for (const w of model.weights)
          if (w.name.startsWith("moving_"))
            w.write(nn.rand([...w.shape], { low: 0.5, high: 1.5 }).dataSync() as Float32Array);
        keras.saving.exportPytorchStateDict(model, path.join(out, `${name}.safetensors`), { names });
        const shapes: Record<string, number[]> = { cnn: [28, 28, 1], conv_bn: [6, 6, 2], sequence: [9, 3] };
        const x = name === "rnn" ? nn.randint(0, 12, [3, 7]) : nn.randn([3, ...shapes[name]]);
        const y = model.predict(x);
        const xTorch = toNchw(x, image);
        const io = [xTorch, y].map((t, k) => ({
          name: k === 0 ? "x" : "y",
          shape: t.shape,
          data: Float32Array.from(t.dataSync()),
        }));
        fs.writeFileSync(path.join(out, `${name}_io.safetensors`), encodeSafetensors(io));
      }
      const diffs = JSON.parse(runTorch("check", out)) as Record<string, number>;
      console.log(`nnlab -> torch: max |difference| ${JSON.stringify(diffs)}`);
      for (const [name, diff] of Object.entries(diffs)) expect(diff, name).toBeLessThan(TOLERANCE);
      expect(Object.keys(diffs).sort()).toEqual(Object.keys(CASES).sort());
    },
  );
});

describe("PyTorch state_dict: errors name the file, the layer and both shapes, and the model keeps its weights", () => {
  const fixture = path.join(fixtures, "cnn.safetensors");
  const names = CASES.cnn.names;

  /** Runs `act` on a fresh lecture CNN and checks that it throws `message` with every weight unchanged. */
  function refuses(act: (model: Model) => void, message: string | RegExp) {
    const model = lectureCnn();
    const before = model.weights.map((w) => w.read());
    expect(() => act(model)).toThrow(message);
    model.weights.forEach((w, i) => expect(w.read()).toEqual(before[i]));
  }

  /** The fixture rewritten with `edit` applied to its tensors. */
  function edited(name: string, edit: (t: ReturnType<typeof decodeSafetensors>["tensors"]) => typeof t): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, encodeSafetensors(edit(decodeSafetensors(fs.readFileSync(fixture)).tensors)));
    return file;
  }

  it("a truncated file", () => {
    const file = path.join(dir, "truncated.safetensors");
    fs.writeFileSync(file, fs.readFileSync(fixture).subarray(0, 5000));
    refuses(
      (m) => keras.saving.importPytorchStateDict(m, file, { names }),
      new RegExp(`${file} is not a valid safetensors file: tensor "[\\w.]+" data_offsets .* inside \\d+ data bytes`),
    );
  });

  it("a foreign file", () => {
    const file = path.join(dir, "foreign.safetensors");
    fs.writeFileSync(file, JSON.stringify({ modelTopology: {} }));
    refuses((m) => keras.saving.importPytorchStateDict(m, file, { names }), `${file} is not a valid safetensors file`);
  });

  it("a missing tensor names it, the layer and what the file holds; unmapped names hint at names:", () => {
    const file = edited("missing.safetensors", (ts) => ts.filter((t) => t.name !== "3.bias"));
    refuses(
      (m) => keras.saving.importPytorchStateDict(m, file, { names }),
      /missing.safetensors has no tensor "3.bias" \(shape \[64\]\) for Conv2D "conv2d_\d+"; it holds 0.bias, 0.weight, 3.weight, 8.bias, 8.weight. Pass names:/,
    );
    refuses((m) => keras.saving.importPytorchStateDict(m, fixture), /has no tensor "conv2d\w*.weight"/);
  });

  it("a shape mismatch names the tensor, the layer and both shapes", () => {
    const file = edited("shape.safetensors", (ts) =>
      ts.map((t) => (t.name === "8.weight" ? { ...t, shape: [t.shape[1], t.shape[0]] } : t)),
    );
    refuses(
      (m) => keras.saving.importPytorchStateDict(m, file, { names }),
      /shape.safetensors: "8.weight" has shape \[1600, 10\] but Dense "dense\w*" expects \[10, 1600\] there \(PyTorch's layout\); the model was not changed/,
    );
  });

  it("tensors the model has no place for", () => {
    const file = edited("extra.safetensors", (ts) => [
      ...ts,
      { name: "9.weight", shape: [1], data: new Float32Array(1) },
    ]);
    refuses(
      (m) => keras.saving.importPytorchStateDict(m, file, { names }),
      /extra.safetensors has tensors the model has no place for \(9.weight\)/,
    );
  });

  it("a layer torch has no twin for, and a GRU without reset_after, say so before writing anything", () => {
    const gru = keras.Sequential([keras.Input({ shape: [4, 2] }), layers.GRU(3, { resetAfter: false })]);
    const file = path.join(dir, "never.safetensors");
    expect(() => keras.saving.exportPytorchStateDict(gru, file)).toThrow(/resetAfter: false; torch.nn.GRU applies/);
    const separable = keras.Sequential([keras.Input({ shape: [6, 6, 2] }), layers.SeparableConv2D(2, 3)]);
    expect(() => keras.saving.exportPytorchStateDict(separable, file)).toThrow(
      /SeparableConv2D "separable_conv2d\w*" has weights but no PyTorch layout in nnlab/,
    );
    expect(fs.existsSync(file)).toBe(false);
  });
});
