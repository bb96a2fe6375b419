/**
 * Weights under PyTorch's state_dict names and layouts, in a safetensors file
 * that `model.load_state_dict(safetensors.torch.load_file(path))` accepts for
 * the equivalent torch.nn model, and the reverse.
 *
 * The layouts differ in four ways, each handled here:
 * - Dense kernel [in, out] is nn.Linear's weight [out, in] (transposed);
 * - convolution kernels [...spatial, in, out] are [out, in, ...spatial] (NCHW);
 * - a Dense after Flatten: Keras flattens NHWC (channels last), PyTorch NCHW,
 *   so the Linear weight's input columns are reordered as the channels move;
 * - recurrent layers: torch keeps the input and recurrent biases apart
 *   (bias_ih, bias_hh) and orders GRU gates r, z, n where Keras has z, r, h;
 *   LSTM gates are i, f, g, o in both (g is Keras's c), only transposed.
 * BatchNormalization maps to weight, bias, running_mean, running_var and
 * num_batches_tracked (written 0, ignored on import). The torch model must use
 * the same hyper-parameters: eps=1e-3 where Keras's BatchNormalization and
 * LayerNormalization have it, batch_first=True for recurrent layers, and
 * GRUs with Keras's reset_after (torch's only form).
 *
 * Names: each layer's tensors go under a prefix, the Keras layer name by
 * default ("dense.weight"), or the torch module path the caller gives, as a
 * map from layer name or a list in the model's order of layers with weights
 * (`["0", "3", "8"]` for an nn.Sequential).
 */
import * as fs from "node:fs";
import type { Layer } from "../engine/layer";
import type { Weight } from "../engine/weight";
import { writeFileAtomic } from "./atomic_write";
import { weightedLayers, writeChecked, type WeightValue } from "./layer_weights";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "./safetensors";

export interface PytorchNameOptions {
  /** The torch module path of each layer with weights: by Keras layer name, or a list in the model's layer order. Default: the Keras layer name. */
  names?: Readonly<Record<string, string>> | readonly string[];
}

/** One torch tensor and how it is made from, and turned back into, the layer's Keras weights. */
interface TorchTensor {
  name: string;
  shape: number[];
  dtype?: "I64";
  toTorch(): Float32Array;
  /** The Keras weight values this tensor (with its siblings, through `get`) gives; null for a tensor that sets nothing. */
  fromTorch: ((get: (name: string) => Float32Array) => [Weight, Float32Array]) | null;
}

/** The model's weights as a PyTorch state_dict (names and layouts), ready for safetensors. */
function pytorchStateDict(model: Layer, options: PytorchNameOptions = {}): NamedTensor[] {
  return torchTensors(model, options).map((t) => ({
    name: t.name,
    shape: t.shape,
    data: t.toTorch(),
    ...(t.dtype ? { dtype: t.dtype } : {}),
  }));
}

/** Writes the model's weights as a PyTorch state_dict in a safetensors file (atomically). */
export function exportPytorchStateDict(model: Layer, path: string, options: PytorchNameOptions = {}): void {
  writeFileAtomic(path, encodeSafetensors(pytorchStateDict(model, options), { format: "pt" }));
}

/**
 * Reads a PyTorch state_dict saved with safetensors (`safetensors.torch.save_file(model.state_dict(), path)`) into the
 * model. Every tensor must be there with its torch shape, and nothing else; all are checked before any weight changes.
 */
export function importPytorchStateDict(model: Layer, path: string, options: PytorchNameOptions = {}): void {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (err) {
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`importPytorchStateDict: cannot read "${path}": ${(err as Error).message}`);
  }
  const where = `importPytorchStateDict: ${path}`;
  const { tensors } = decodeSafetensors(bytes, path);
  const given = new Map(tensors.map((t) => [t.name, t]));
  const expected = torchTensors(model, options);
  const owners = new Map<string, Layer>();
  for (const layer of weightedLayers(model)) for (const w of layer.weights) owners.set(w.path, layer);
  const ownerOf = (w: Weight) => owners.get(w.path)!;
  for (const t of expected) {
    const found = given.get(t.name);
    if (!found) {
      throw new Error(
        `${where} has no tensor "${t.name}" (shape [${t.shape.join(", ")}]) for ${t.owner.describe()}; ` +
          `it holds ${[...given.keys()].slice(0, 6).join(", ")}${given.size > 6 ? ", ..." : ""}. Pass names: to map the layers to the torch module's names; the model was not changed`,
      );
    }
    if (found.shape.length !== t.shape.length || found.shape.some((d, k) => d !== t.shape[k])) {
      throw new Error(
        `${where}: "${t.name}" has shape [${found.shape.join(", ")}] but ${t.owner.describe()} expects [${t.shape.join(", ")}] there (PyTorch's layout); the model was not changed`,
      );
    }
  }
  const unexpected = [...given.keys()].filter((n) => !expected.some((t) => t.name === n));
  if (unexpected.length > 0) {
    throw new Error(
      `${where} has tensors the model has no place for (${unexpected.join(", ")}); is it the same architecture? The model was not changed`,
    );
  }
  const get = (name: string) => given.get(name)!.data;
  const values: WeightValue[] = expected
    .filter((t) => t.fromTorch)
    .map((t) => {
      const [weight, data] = t.fromTorch!(get);
      return { weight, name: t.name, shape: weight.shape, data };
    });
  writeChecked(values, where, ownerOf);
}

// ----- the layouts -----

function prefixes(model: Layer, options: PytorchNameOptions): Map<Layer, string> {
  const layers = weightedLayers(model);
  const names = options.names;
  if (Array.isArray(names) && names.length !== layers.length) {
    throw new Error(
      `pytorch names: got ${names.length} names for ${layers.length} layers with weights (${layers.map((l) => l.name).join(", ")})`,
    );
  }
  const byName = (names && !Array.isArray(names) ? names : {}) as Record<string, string>;
  return new Map(layers.map((l, i) => [l, Array.isArray(names) ? (names as string[])[i] : (byName[l.name] ?? l.name)]));
}

function torchTensors(model: Layer, options: PytorchNameOptions): (TorchTensor & { owner: Layer })[] {
  const out: (TorchTensor & { owner: Layer })[] = [];
  for (const [layer, prefix] of prefixes(model, options)) {
    for (const t of layerTensors(layer, prefix)) out.push({ ...t, owner: layer });
  }
  return out;
}

function weight(layer: Layer, name: string): Weight {
  const w = layer.weights.find((x) => x.name === name);
  if (!w) throw new Error(`pytorch: ${layer.describe()} has no weight "${name}"`);
  return w;
}

/** A tensor that is a Keras weight rearranged: `perm` of its axes (after an optional reshape), then `torchShape`. */
function rearranged(name: string, w: Weight, perm: number[] | null, viewAs: number[] = [...w.shape]): TorchTensor {
  const permuted = perm ? perm.map((k) => viewAs[k]) : viewAs;
  // A Dense kernel viewed as [...flattened, out] goes back to torch's two axes [out, in].
  const torchShape = viewAs.length !== w.shape.length ? [permuted[0], size(permuted.slice(1))] : permuted;
  const inverse = perm ? inverseOrder(perm) : null;
  return {
    name,
    shape: torchShape,
    toTorch: () => (perm ? transpose(w.read(), viewAs, perm) : w.read()),
    fromTorch: (get) => [w, inverse ? transpose(get(name), permuted, inverse) : get(name)],
  };
}

/** Keras [...spatial, in, out] to torch [out, in, ...spatial]. */
function channelsFirst(rank: number): number[] {
  return [rank - 1, rank - 2, ...Array.from({ length: rank - 2 }, (_, k) => k)];
}

function layerTensors(layer: Layer, prefix: string): TorchTensor[] {
  const p = (n: string) => (prefix ? `${prefix}.${n}` : n);
  const bias = () => {
    const b = layer.weights.find((w) => w.name === "bias");
    return b ? [rearranged(p("bias"), b, null)] : [];
  };
  switch (layer.className) {
    case "Dense": {
      const kernel = weight(layer, "kernel");
      const flattened = flattenedFrom(layer);
      if (flattened) {
        const view = [...flattened, kernel.shape[1]];
        return [rearranged(p("weight"), kernel, channelsFirst(view.length), view), ...bias()];
      }
      return [rearranged(p("weight"), kernel, [1, 0]), ...bias()];
    }
    case "Conv1D":
    case "Conv2D":
    case "Conv3D": {
      const kernel = weight(layer, "kernel");
      return [rearranged(p("weight"), kernel, channelsFirst(kernel.shape.length)), ...bias()];
    }
    case "Embedding":
      return [rearranged(p("weight"), weight(layer, "embeddings"), null)];
    case "BatchNormalization":
    case "LayerNormalization": {
      const { center, scale } = layer as Layer & { center: boolean; scale: boolean };
      if (center !== scale) {
        throw new Error(
          `pytorch: ${layer.describe()} has center=${center} and scale=${scale}; torch's affine norms have both or neither`,
        );
      }
      const out = scale
        ? [rearranged(p("weight"), weight(layer, "gamma"), null), rearranged(p("bias"), weight(layer, "beta"), null)]
        : [];
      if (layer.className === "LayerNormalization") return out;
      const counter: TorchTensor = {
        name: p("num_batches_tracked"),
        shape: [],
        dtype: "I64",
        toTorch: () => new Float32Array(1),
        fromTorch: null,
      };
      return [
        ...out,
        rearranged(p("running_mean"), weight(layer, "moving_mean"), null),
        rearranged(p("running_var"), weight(layer, "moving_variance"), null),
        counter,
      ];
    }
    case "SimpleRNN":
    case "LSTM":
    case "GRU":
      return recurrentTensors(layer, p, "");
    case "Bidirectional": {
      const { forwardLayer, backwardLayer } = layer as Layer & { forwardLayer: Layer; backwardLayer: Layer };
      return [...recurrentTensors(forwardLayer, p, ""), ...recurrentTensors(backwardLayer, p, "_reverse")];
    }
    default:
      throw new Error(
        `pytorch: ${layer.describe()} has weights but no PyTorch layout in nnlab (Dense, Conv1D/2D/3D, Embedding, BatchNormalization, LayerNormalization, SimpleRNN, LSTM, GRU, Bidirectional have one)`,
      );
  }
}

/**
 * torch.nn.RNN/LSTM/GRU (batch_first=True, one layer): weight_ih_l0 [gates * units, in], weight_hh_l0, bias_ih_l0,
 * bias_hh_l0. Keras has one bias (torch's two summed; exported as the input bias, the recurrent one zero), except a
 * GRU with reset_after, whose [2, 3 * units] bias holds both. GRU gate blocks move from Keras's z, r, h to torch's r, z, n.
 */
function recurrentTensors(layer: Layer, p: (n: string) => string, suffix: string): TorchTensor[] {
  const units = (layer as Layer & { units: number }).units;
  const cell = layer.className;
  const resetAfter = (layer as Layer & { cell?: { resetAfter?: boolean } }).cell?.resetAfter;
  if (cell === "GRU" && !resetAfter) {
    throw new Error(
      `pytorch: ${layer.describe()} has resetAfter: false; torch.nn.GRU applies the reset gate after the matmul, as resetAfter: true does`,
    );
  }
  const gates = cell === "GRU" ? 3 : cell === "LSTM" ? 4 : 1;
  // GRU: torch block k holds Keras block order[k].
  const order = cell === "GRU" ? [1, 0, 2] : Array.from({ length: gates }, (_, k) => k);
  const kernel = weight(layer, "kernel");
  const recurrent = weight(layer, "recurrent_kernel");
  const b = layer.weights.find((w) => w.name === "bias");
  const n = (s: string) => p(`${s}_l0${suffix}`);
  const matrix = (name: string, w: Weight): TorchTensor => {
    const rows = w.shape[0];
    return {
      name,
      shape: [gates * units, rows],
      toTorch: () => reorderRows(transpose(w.read(), [rows, gates * units], [1, 0]), order, units * rows),
      fromTorch: (get) => [
        w,
        transpose(reorderRows(get(name), inverseOrder(order), units * rows), [gates * units, rows], [1, 0]),
      ],
    };
  };
  const out = [matrix(n("weight_ih"), kernel), matrix(n("weight_hh"), recurrent)];
  if (!b) return out;
  const width = gates * units;
  const twoRows = b.shape.length === 2;
  const row = (k: number) =>
    twoRows ? b.read().subarray(k * width, (k + 1) * width) : k === 0 ? b.read() : new Float32Array(width);
  out.push(
    {
      name: n("bias_ih"),
      shape: [width],
      toTorch: () => reorderRows(row(0), order, units),
      fromTorch: (get) => {
        const ih = reorderRows(get(n("bias_ih")), inverseOrder(order), units);
        const hh = reorderRows(get(n("bias_hh")), inverseOrder(order), units);
        if (twoRows) return [b, Float32Array.from([...ih, ...hh])];
        return [b, ih.map((v, i) => v + hh[i])];
      },
    },
    { name: n("bias_hh"), shape: [width], toTorch: () => reorderRows(row(1), order, units), fromTorch: null },
  );
  return out;
}

/**
 * For a Dense fed by Flatten (through shape-keeping layers such as Dropout): the shape Flatten received, without
 * the batch axis ([h, w, channels]), when it has spatial axes; null otherwise.
 */
function flattenedFrom(dense: Layer): number[] | null {
  const passThrough = new Set([
    "Dropout",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "Softmax",
    "GaussianNoise",
    "GaussianDropout",
  ]);
  let layer: Layer | undefined = dense.inboundNodes[0]?.inputs[0]?.node.layer;
  while (layer && passThrough.has(layer.className)) layer = layer.inboundNodes[0]?.inputs[0]?.node.layer;
  if (!layer || layer.className !== "Flatten") return null;
  const shape = (layer.buildInputShape as (number | null)[] | null)?.slice(1);
  if (!shape || shape.length < 2 || shape.some((d) => d === null)) return null;
  return shape as number[];
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `data` of `shape` with its axes permuted (out axis k is in axis perm[k]), row-major. */
function transpose(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const strides = new Array<number>(rank);
  for (let k = rank - 1, s = 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k];
  }
  const outShape = perm.map((k) => shape[k]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += index[k] * strides[perm[k]];
    out[i] = data[src];
    for (let k = rank - 1; k >= 0; k--) {
      if (++index[k] < outShape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}

/** Blocks of `block` values: output block k is input block order[k]. */
function reorderRows(data: Float32Array, order: readonly number[], block: number): Float32Array {
  const out = new Float32Array(data.length);
  order.forEach((from, k) => out.set(data.subarray(from * block, (from + 1) * block), k * block));
  return out;
}

function inverseOrder(order: readonly number[]): number[] {
  return order.map((_, k) => order.indexOf(k));
}
