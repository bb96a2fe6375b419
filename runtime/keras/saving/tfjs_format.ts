/**
 * TensorFlow.js's layers-model format, read and written: a `model.json`
 * ({ modelTopology, weightsManifest, format: "layers-model" }) beside binary
 * weight shards. The topology is Keras 2's model config (snake_case keys,
 * { class_name, config } objects, inbound nodes as [layer, node, tensor,
 * kwargs]); the manifest lists weight groups, each a list of shard files read
 * end to end, and each weight's name, shape, dtype and optional quantization
 * (uint8/uint16 with scale and min, or float16). Weights keep Keras's layouts
 * (kernels [..., in, out], LSTM gates i, f, c, o), which are nnlab's, so only
 * the names and the config keys change. tfjs names a weight
 * "<layer>/<weight>" ("bidirectional/forward_lstm/kernel" inside a wrapper);
 * loading matches the file's weights to each layer's in order and checks the
 * weight names and every shape before writing any.
 *
 * The model classes are not imported here: loading returns a spec for
 * saving/load_model.ts to build, saving takes the model's own spec.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Layer, LayerConfig } from "../engine/layer";
import type { Weight } from "../engine/weight";
import { deserializeInitializer } from "../initializers";
import { writeFileAtomic } from "./atomic_write";
import { weightedLayers, writeChecked, type WeightValue } from "./layer_weights";
import type { SavableModel } from "./model_file";
import type { InboundCall, LayerSpec, ModelSpec } from "./spec";

type Json = Record<string, unknown>;
interface KerasObject {
  class_name: string;
  config: Json;
}
interface KerasLayer extends KerasObject {
  name?: string;
  inbound_nodes?: unknown[][];
}
interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}
interface ManifestGroup {
  paths: string[];
  weights: WeightEntry[];
}
interface ModelJson {
  modelTopology?: Json;
  weightsManifest?: ManifestGroup[];
  format?: string;
}

/** A path in TensorFlow.js's format: "file://..." (as tfjs-node's handler), a .json file, or a directory (existing or ending in "/"). */
export function isTfjsModelPath(target: string): boolean {
  if (target.startsWith("file://")) return true;
  const p = target;
  if (p.endsWith(".json") || p.endsWith("/")) return true;
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function stripScheme(target: string): string {
  return target.startsWith("file://") ? target.slice("file://".length) : target;
}

/** model.json itself, for a directory or a json path. */
function jsonPath(target: string): string {
  const p = stripScheme(target);
  return p.endsWith(".json") ? p : path.join(p, "model.json");
}

// ----- reading -----

export interface TfjsWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Reads model.json and its shards: the architecture as nnlab's spec, and the weights in file order. */
export function readTfjsModel(target: string): { spec: ModelSpec; weights: TfjsWeight[]; file: string } {
  const file = jsonPath(target);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`loadModel: cannot read "${file}": ${(err as Error).message}`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (err) {
    // eslint-disable-next-line preserve-caught-error
    throw new Error(
      `loadModel: ${file} is not a TensorFlow.js model.json: it is not JSON (${(err as Error).message}); a truncated or foreign file?`,
    );
  }
  if (json?.format && json.format !== "layers-model") {
    throw new Error(
      `loadModel: ${file} is a TensorFlow.js "${json.format}"; nnlab reads TensorFlow.js layers models (format "layers-model"), which keep the Keras layers`,
    );
  }
  const topology = json?.modelTopology;
  if (!topology || typeof topology !== "object") {
    throw new Error(
      `loadModel: ${file} has no "modelTopology"${json?.format ? ` (format "${json.format}")` : ""}; nnlab reads TensorFlow.js layers models (format "layers-model"), not graph models`,
    );
  }
  // tensorflowjs_converter nests the config as Keras's .h5 files do: { model_config: { class_name, config } }.
  const model = ("model_config" in topology ? topology.model_config : topology) as KerasObject;
  const spec = modelSpecIn(model, file);
  return { spec, weights: readWeights(json.weightsManifest ?? [], file), file };
}

function readWeights(manifest: ManifestGroup[], file: string): TfjsWeight[] {
  const dir = path.dirname(file);
  const out: TfjsWeight[] = [];
  for (const group of manifest) {
    const shards = group.paths.map((p) => {
      const shard = path.join(dir, p);
      try {
        return fs.readFileSync(shard);
      } catch (err) {
        // eslint-disable-next-line preserve-caught-error
        throw new Error(
          `loadModel: ${file} lists the weight shard "${p}", which cannot be read: ${(err as Error).message}`,
        );
      }
    });
    const bytes = Buffer.concat(shards);
    let at = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const width = bytesPerValue(w, file);
      if (at + count * width > bytes.length) {
        throw new Error(
          `loadModel: the weight shards of ${file} (${group.paths.join(", ")}) hold ${bytes.length} bytes, ` +
            `too few for weight "${w.name}" [${w.shape.join(", ")}] at byte ${at}; a truncated file?`,
        );
      }
      out.push({ name: w.name, shape: w.shape, data: decodeValues(bytes, at, count, w) });
      at += count * width;
    }
  }
  return out;
}

function bytesPerValue(w: WeightEntry, file: string): number {
  const dtype = w.quantization?.dtype ?? w.dtype;
  const widths: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };
  const width = widths[dtype];
  if (!width) throw new Error(`loadModel: ${file}: weight "${w.name}" has dtype "${dtype}", which nnlab cannot read`);
  return width;
}

function decodeValues(bytes: Buffer, at: number, count: number, w: WeightEntry): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, bytes.length - at);
  const out = new Float32Array(count);
  const q = w.quantization;
  if (q?.dtype === "float16") for (let i = 0; i < count; i++) out[i] = float16(view.getUint16(i * 2, true));
  else if (q) {
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    const read = q.dtype === "uint8" ? (i: number) => view.getUint8(i) : (i: number) => view.getUint16(i * 2, true);
    for (let i = 0; i < count; i++) out[i] = read(i) * scale + min;
  } else if (w.dtype === "int32") for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
  else if (w.dtype === "bool") for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
  else for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** IEEE 754 half precision to a number. */
function float16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const mapKeys = (o: Json, f: (k: string) => string): Json =>
  Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [f(k), v]));

/** Keys with no meaning for nnlab's layers (they only affect placement, ragged inputs or kernel choice). */
const IGNORED = new Set(["dtype", "sparse", "ragged", "implementation", "input_length", "seed", "batch_size"]);

function modelSpecIn(model: KerasObject, file: string): ModelSpec {
  const config = model.config;
  if (model.class_name === "Sequential") {
    const list = (Array.isArray(config) ? config : config.layers) as KerasLayer[];
    const first = list[0];
    const batchShape = (first?.config.batch_input_shape ?? first?.config.batch_shape) as (number | null)[] | undefined;
    const layers = list.filter((l) => l.class_name !== "InputLayer").map((l) => layerSpecIn(l, file));
    return {
      className: "Sequential",
      name: config.name as string,
      inputShape: batchShape ? batchShape.slice(1) : null,
      layers,
    };
  }
  if (model.class_name !== "Model" && model.class_name !== "Functional") {
    throw new Error(`loadModel: ${file}: the model class "${model.class_name}" is neither Sequential nor functional`);
  }
  const ids = (refs: unknown[][]) => refs.map((r) => `${r[0] as string}#${r[1] as number}`);
  const layers = (config.layers as KerasLayer[]).map((l): LayerSpec => {
    const inbound: InboundCall[] = (l.inbound_nodes ?? []).map((node) => ({
      inputs: ids(node as unknown[][]),
      listInput: node.length > 1,
    }));
    if (l.class_name === "InputLayer") {
      const shape = (l.config.batch_input_shape ?? l.config.batch_shape) as (number | null)[];
      return { className: "InputLayer", config: { name: l.config.name, shape: shape.slice(1) }, inbound };
    }
    const spec = layerSpecIn(l, file, false);
    return { ...spec, inbound };
  });
  const outputs = ids(config.output_layers as unknown[][]);
  return {
    className: "Functional",
    name: config.name as string,
    layers,
    inputs: ids(config.input_layers as unknown[][]),
    outputs,
    outputStructure: outputs.length === 1 ? "single" : "list",
  };
}

function layerSpecIn(layer: KerasLayer, file: string, keepInputShape = true): LayerSpec {
  if (["Sequential", "Model", "Functional"].includes(layer.class_name)) {
    const model = modelSpecIn(layer, file);
    return { className: model.className, config: { name: model.name }, model };
  }
  const where = `loadModel: ${file}: layer "${(layer.config.name as string) ?? layer.name}" (${layer.class_name})`;
  return { className: layer.class_name, config: layerConfigIn(layer.config, where, keepInputShape) };
}

/** A Keras 2 layer config in nnlab's terms: camelCase keys, initializers and regularizers as { className, config }. */
function layerConfigIn(config: Json, where: string, keepInputShape: boolean): LayerConfig {
  const out: LayerConfig = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === null || value === undefined || IGNORED.has(key)) continue;
    const refuse = (why: string): never => {
      throw new Error(`${where}: ${why}; nnlab cannot load it`);
    };
    if (key === "batch_input_shape" || key === "batch_shape") {
      if (keepInputShape) out.inputShape = (value as (number | null)[]).slice(1);
    } else if (key === "data_format") {
      if (value !== "channels_last")
        refuse(`data_format is ${JSON.stringify(value)} (nnlab's layers are channels_last)`);
    } else if (key.endsWith("_constraint") || key === "activity_regularizer") {
      refuse(`it has a ${key} (nnlab has no weight constraints or activity regularizers)`);
    } else if ((key === "stateful" || key === "unroll") && value === true) {
      refuse(`it is ${key}`);
    } else if (key === "noise_shape") {
      refuse(`it has a noise_shape`);
    } else if ((key === "activation" || key === "recurrent_activation") && value === "hard_sigmoid") {
      refuse(
        `its ${key} is "hard_sigmoid" (TensorFlow.js's default for LSTM and GRU, 0.2 x + 0.5 clipped), which nnlab lacks; build the layer with recurrentActivation: "sigmoid"`,
      );
    } else if (key.endsWith("_initializer")) {
      // Weights come from the file; an initializer nnlab lacks (or configures otherwise) is left at nnlab's default.
      const o = value as KerasObject;
      const init = { className: o.class_name, config: mapKeys(o.config, camel) };
      try {
        deserializeInitializer(init);
        out[camel(key)] = init;
      } catch {
        // the layer's default initializer stands in
      }
    } else if (key.endsWith("_regularizer")) {
      const o = value as KerasObject;
      out[camel(key)] = { className: o.class_name, config: mapKeys(o.config, camel) };
    } else if (key === "layer" && typeof value === "object") {
      const inner = value as KerasObject;
      out.layer = { className: inner.class_name, config: layerConfigIn(inner.config, where, false) };
    } else out[camel(key)] = value;
  }
  return out;
}

/** Writes the file's weights into the model: per layer, in order, checking names and shapes before writing any. */
export function assignTfjsWeights(model: Layer, weights: readonly TfjsWeight[], file: string): void {
  const byLayer = new Map<string, TfjsWeight[]>();
  for (const w of weights) {
    const layer = w.name.split("/")[0];
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), w]);
  }
  const values: WeightValue[] = [];
  const owners = new Map<Weight, Layer>();
  for (const layer of weightedLayers(model)) {
    const given = byLayer.get(layer.name) ?? [];
    byLayer.delete(layer.name);
    if (given.length !== layer.weights.length) {
      throw new Error(
        `loadModel: ${file} has ${given.length} weights for ${layer.describe()} (${given.map((g) => g.name).join(", ") || "none"}) ` +
          `but the layer has ${layer.weights.length} (${layer.weights.map((w) => w.name).join(", ")}); the model was not changed`,
      );
    }
    layer.weights.forEach((weight, i) => {
      const g = given[i];
      if (!g.name.endsWith(`/${weight.name}`)) {
        throw new Error(
          `loadModel: ${file}: weight ${i} of ${layer.describe()} is "${g.name}" in the file but ${weight.name} in the model; the model was not changed`,
        );
      }
      owners.set(weight, layer);
      values.push({ weight, name: g.name, shape: g.shape, data: g.data });
    });
  }
  const extra = [...byLayer.keys()];
  if (extra.length > 0) {
    throw new Error(
      `loadModel: ${file} has weights for layers the model lacks (${extra.join(", ")}); the model was not changed`,
    );
  }
  writeChecked(values, `loadModel: ${file}`, (w) => owners.get(w)!);
}

// ----- writing -----

/** Writes model.json and weights.bin (or <name>.weights.bin beside <name>.json), as tfjs-layers' model.save does. */
export function saveTfjsModel(model: SavableModel, target: string): void {
  const file = jsonPath(target);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const stem = path.basename(file, ".json");
  const binName = stem === "model" ? "weights.bin" : `${stem}.weights.bin`;
  const topology = {
    ...topologyOut(model.architecture()),
    // The tfjs-layers release whose reader these files were checked against (test/keras/tfjs_format.test.ts).
    keras_version: "tfjs-layers 4.22.0",
    backend: "tensor_flow.js",
  };
  const named = tfjsWeightNames(model);
  const total = named.reduce((n, [w]) => n + w.size, 0);
  const data = new Float32Array(total);
  let at = 0;
  for (const [w] of named) {
    data.set(w.read(), at);
    at += w.size;
  }
  const json = {
    modelTopology: topology,
    format: "layers-model",
    generatedBy: "nnlab",
    convertedBy: null,
    weightsManifest: [
      { paths: [binName], weights: named.map(([w, name]) => ({ name, shape: [...w.shape], dtype: "float32" })) },
    ],
  };
  writeFileAtomic(path.join(dir, binName), new Uint8Array(data.buffer));
  writeFileAtomic(file, Buffer.from(JSON.stringify(json), "utf8"));
}

/** Each weight with the name tfjs gives it: "<layer>/<weight>", "<wrapper>/<forward_lstm>/<weight>" in Bidirectional. */
function tfjsWeightNames(model: Layer): [Weight, string][] {
  const out: [Weight, string][] = [];
  for (const layer of weightedLayers(model)) {
    const bidi = layer as Layer & { forwardLayer?: Layer; backwardLayer?: Layer };
    if (layer.className === "Bidirectional" && bidi.forwardLayer && bidi.backwardLayer) {
      for (const inner of [bidi.forwardLayer, bidi.backwardLayer])
        for (const w of inner.weights) out.push([w, `${layer.name}/${inner.name}/${w.name}`]);
    } else for (const w of layer.weights) out.push([w, `${layer.name}/${w.name}`]);
  }
  return out;
}

function topologyOut(spec: ModelSpec): KerasObject {
  if (spec.className === "Sequential") {
    const layers = spec.layers.map((l) => layerOut(l));
    if (spec.inputShape && layers[0]) layers[0].config.batch_input_shape = [null, ...spec.inputShape];
    return { class_name: "Sequential", config: { name: spec.name, layers } };
  }
  if (spec.outputStructure === "named") {
    throw new Error(
      `save: model "${spec.name}" has named outputs, which TensorFlow.js's format cannot hold; give them as a list`,
    );
  }
  const ref = (id: string) => {
    const cut = id.lastIndexOf("#");
    return [id.slice(0, cut), Number(id.slice(cut + 1)), 0];
  };
  const layers = spec.layers.map((l) => {
    const inbound = (l.inbound ?? []).map((call) => call.inputs.map((id) => [...ref(id), {}]));
    if (l.className === "InputLayer") {
      const name = l.config.name as string;
      const shape = l.config.shape as (number | null)[];
      return {
        name,
        class_name: "InputLayer",
        config: { batch_input_shape: [null, ...shape], dtype: "float32", sparse: false, name },
        inbound_nodes: inbound,
      };
    }
    const out = layerOut(l);
    return { name: out.config.name as string, ...out, inbound_nodes: inbound };
  });
  return {
    class_name: "Model",
    config: {
      name: spec.name,
      layers,
      input_layers: (spec.inputs ?? []).map(ref),
      output_layers: (spec.outputs ?? []).map(ref),
    },
  };
}

function layerOut(spec: LayerSpec): KerasObject {
  if (spec.model) {
    const inner = topologyOut(spec.model);
    return { class_name: inner.class_name, config: inner.config };
  }
  return { class_name: spec.className, config: layerConfigOut(spec.className, spec.config) };
}

function layerConfigOut(className: string, config: LayerConfig): Json {
  if (className === "GRU" && config.resetAfter === true) {
    throw new Error(
      `save: GRU "${String(config.name)}" has resetAfter: true (Keras 3's default), which TensorFlow.js's GRU lacks; build it with resetAfter: false to save it for TensorFlow.js`,
    );
  }
  const out: Json = { dtype: "float32" };
  for (const [key, value] of Object.entries(config)) {
    if (key === "inputShape") {
      out.batch_input_shape = [config.batchSize ?? null, ...(value as (number | null)[])];
    } else if (key === "batchSize" || key === "backwardLayer") {
      // batchSize goes into batch_input_shape; tfjs's Bidirectional mirrors the forward layer itself.
    } else if (key === "layer") {
      const inner = value as { className: string; config: LayerConfig };
      const innerConfig = layerConfigOut(inner.className, inner.config);
      // tfjs names the wrapped layers "forward_<name>" and "backward_<name>" itself.
      if (className === "Bidirectional") innerConfig.name = (inner.config.name as string).replace(/^forward_/, "");
      out.layer = { class_name: inner.className, config: innerConfig };
    } else if ((key.endsWith("Initializer") || key.endsWith("Regularizer")) && value) {
      const o = value as { className: string; config: Json };
      out[snake(key)] = { class_name: o.className, config: mapKeys(o.config, snake) };
    } else out[snake(key)] = value;
  }
  return out;
}
