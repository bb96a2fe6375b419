/**
 * Keras 3's native files, both ways: the `.keras` archive (a zip of
 * config.json, metadata.json and model.weights.h5) and the `.weights.h5`
 * weights file.
 *
 * model.weights.h5 holds one group per layer of the model's layer list,
 * named by the layer's class in snake_case with a counter for repeats
 * (`layers/conv2d`, `layers/conv2d_1`), not by the layer's name. A layer's
 * own variables are `vars/0`, `vars/1`, ... in creation order; variables of
 * the objects a layer holds sit under the attribute's name (`cell/vars/0`
 * for a recurrent layer, `forward_layer/cell/...` for Bidirectional,
 * `query_dense/vars/0` for MultiHeadAttention). nnlab's weights come in the
 * same order as Keras's, so each layer's list is cut into those groups
 * (`weightGroups`). The layer list is the config's order when reading; when
 * writing it is Keras's own order for a functional graph (by decreasing
 * depth, ties in the order a walk back from the outputs meets them), so
 * Keras names the groups the way this file does.
 *
 * config.json is the model's Keras config; keras_config.ts translates layer
 * configs between Keras's snake_case and nnlab's options.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import type { Layer } from "../engine/layer";
import type { KerasTensor } from "../engine/keras_tensor";
import type { Weight } from "../engine/weight";
import { writeFileAtomic } from "./atomic_write";
import type { FileFormat, ModelContents } from "./formats";
import { isHdf5, readHdf5, writeHdf5, type H5Group, type H5Tensor } from "./hdf5";
import { fromKerasModelConfig, KERAS_VERSION, toKerasModelConfig } from "./keras_config";
import type { SavableModel } from "./model_file";
import type { ModelSpec } from "./spec";

type Json = Record<string, unknown>;

const endsWith = (path: string, ext: string) => path.toLowerCase().endsWith(ext);
const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

const WEIGHTS_ENTRY = "model.weights.h5";

export const kerasWeightsFormat: FileFormat = {
  description: "a Keras 3 weights file (.weights.h5)",
  claimsPath: (path) => endsWith(path, ".weights.h5"),
  recognizes: isHdf5,
  saveWeights: (model, path) => writeFileAtomic(path, weightsFile(architectureOf(model, path), model)),
  readModel: (_bytes, path) => {
    throw new Error(
      `loadModel: ${path} is an HDF5 file (Keras 3 weights, or a Keras 2 .h5 model), not a Keras 3 archive; ` +
        `loadModel reads .keras files; for weights, build the model in code and call model.loadWeights("${path}")`,
    );
  },
  loadWeights: (model, bytes, path) => {
    const spec = architectureOf(model, path);
    planAssignment(model, kerasLayerOrder(spec), readHdf5(bytes, path), path)();
  },
};

export const kerasArchiveFormat: FileFormat = {
  description: "a Keras 3 archive (.keras)",
  claimsPath: (path) => endsWith(path, ".keras"),
  recognizes: isZip,
  saveModel: (model, path) => {
    const spec = model.architecture();
    const metadata = { keras_version: KERAS_VERSION, date_saved: dateSaved(new Date()) };
    const archive = zipSync(
      {
        "metadata.json": strToU8(JSON.stringify(metadata)),
        "config.json": strToU8(JSON.stringify(toKerasModelConfig(spec, kerasLayerOrder(spec), tensorShapes(model)))),
        [WEIGHTS_ENTRY]: weightsFile(spec, model),
      },
      { level: 0 }, // Keras stores its entries uncompressed
    );
    writeFileAtomic(path, archive);
  },
  readModel: (bytes, path) => readArchive(bytes, path),
};

/** Keras 2's whole-model `.h5`: listed so that saving to it says what to use instead. */
export const legacyH5Format: FileFormat = {
  description: "a Keras 2 HDF5 model (.h5)",
  claimsPath: (path) => endsWith(path, ".h5") || endsWith(path, ".hdf5"),
  recognizes: () => false,
  saveModel: (_model, path) => {
    throw new Error(
      `save: ${path} asks for Keras 2's legacy HDF5 model format, which nnlab does not write; use a ".keras" name for a Keras 3 archive, or ".weights.h5" with saveWeights`,
    );
  },
};

function readArchive(bytes: Uint8Array, path: string): ModelContents {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    // The reason is in the message already; a cause would print it twice in a notebook's traceback.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${path} is not a readable .keras archive (truncated or damaged zip?): ${(err as Error).message}`);
  }
  for (const name of ["config.json", WEIGHTS_ENTRY]) {
    if (!entries[name])
      throw new Error(
        `${path} is a zip file but not a Keras 3 archive: it has no ${name} (entries: ${Object.keys(entries).join(", ") || "none"})`,
      );
  }
  let config: Json;
  try {
    config = JSON.parse(strFromU8(entries["config.json"])) as Json;
  } catch (err) {
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${path}: config.json is not JSON (${(err as Error).message})`);
  }
  const { spec, kerasOrder } = fromKerasModelConfig(config, path);
  const tensors = readHdf5(entries[WEIGHTS_ENTRY], `${path} (model.weights.h5)`);
  return { spec, assignWeights: (model) => planAssignment(model, kerasOrder, tensors, path)() };
}

/** The shape of each tensor of the model's graph by its "layer#node" id. */
function tensorShapes(model: SavableModel): (id: string) => readonly (number | null)[] {
  const shapes = new Map<string, readonly (number | null)[]>();
  const graph = model as unknown as { layers: Layer[]; inputs: KerasTensor[] };
  for (const t of graph.inputs ?? []) shapes.set(`${t.node.layer.name}#0`, t.shape);
  for (const layer of graph.layers)
    layer.inboundNodes.forEach((node, k) => shapes.set(`${layer.name}#${k}`, node.output.shape));
  return (id) => {
    const shape = shapes.get(id);
    if (!shape) throw new Error(`save: ${model.describe()} has no tensor "${id}" in its graph`);
    return shape;
  };
}

function architectureOf(model: Layer, path: string): ModelSpec {
  const savable = model as Partial<SavableModel>;
  if (typeof savable.architecture !== "function")
    throw new Error(
      `${path}: Keras weight files are laid out by the model's layers; ${model.describe()} is not a model`,
    );
  return savable.architecture.call(model);
}

/** "2026-12-03@16:41:08", the form Keras writes in metadata.json. */
function dateSaved(d: Date): string {
  return d.toISOString().slice(0, 19).replace("T", "@");
}

// ----- the layer groups of model.weights.h5 -----

/** Keras's snake_case of a class name: "MultiHeadAttention" -> "multi_head_attention", "Conv2D" -> "conv2d". */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, "")
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

/** A layer of the model as Keras lists it: its name and class. */
export interface KerasLayerEntry {
  name: string;
  className: string;
}

/** The group of each layer, in list order: the class in snake_case, "_1", "_2", ... for repeats. */
function groupNames(order: readonly KerasLayerEntry[]): string[] {
  const used = new Map<string, number>();
  return order.map(({ className }) => {
    const base = snakeCase(className);
    const seen = used.get(base);
    used.set(base, seen === undefined ? 0 : seen + 1);
    return seen === undefined ? base : `${base}_${seen + 1}`;
  });
}

/** Where a layer's weights sit inside its group, in nnlab's (= Keras's) weight order. */
function weightGroups(layer: Layer): { sub: string; weights: Weight[] }[] {
  const w = layer.weights;
  const split = (subs: string[]) =>
    subs.map((sub, i) => ({ sub, weights: w.slice((i * w.length) / subs.length, ((i + 1) * w.length) / subs.length) }));
  switch (layer.className) {
    case "LSTM":
    case "GRU":
    case "SimpleRNN":
      return [{ sub: "cell", weights: w }];
    case "Bidirectional":
      return split(["forward_layer/cell", "backward_layer/cell"]);
    case "MultiHeadAttention":
      return split(["query_dense", "key_dense", "value_dense", "output_dense"]);
    default:
      return [{ sub: "", weights: w }];
  }
}

/** The empty groups Keras writes beside the weights (a layer's own `vars`, with its name), so the file reads as Keras's. */
function layerGroups(layer: Layer, group: string): H5Group[] {
  const at = (sub: string, name: string): H5Group => ({
    path: `${group}${sub ? `/${sub}` : ""}/vars`,
    attrs: { name },
  });
  const inner = layer as { forwardLayer?: Layer; backwardLayer?: Layer };
  switch (layer.className) {
    case "LSTM":
    case "GRU":
    case "SimpleRNN":
      return [at("", layer.name), at("cell", `${snakeCase(layer.className)}_cell`)];
    case "Bidirectional":
      return [
        at("", layer.name),
        at("forward_layer", inner.forwardLayer?.name ?? "forward"),
        at("forward_layer/cell", `${snakeCase(inner.forwardLayer?.className ?? "rnn")}_cell`),
        at("backward_layer", inner.backwardLayer?.name ?? "backward"),
        at("backward_layer/cell", `${snakeCase(inner.backwardLayer?.className ?? "rnn")}_cell`),
      ];
    case "MultiHeadAttention":
      return [
        at("", layer.name),
        ...[
          ["query_dense", "query"],
          ["key_dense", "key"],
          ["value_dense", "value"],
          ["output_dense", "attention_output"],
          ["_softmax", "softmax"],
          ["_dropout_layer", "dropout"],
        ].map(([sub, name]) => at(sub, name)),
      ];
    default:
      return [at("", layer.name)];
  }
}

function layerByName(model: Layer, name: string, source: string): Layer {
  const found = (model as unknown as { layers: Layer[] }).layers.find((l) => l.name === name);
  if (!found) throw new Error(`${source}: the model has no layer "${name}"`);
  return found;
}

function weightsFile(spec: ModelSpec, model: Layer): Uint8Array {
  const order = kerasLayerOrder(spec);
  const names = groupNames(order);
  const groups: H5Group[] = [
    { path: "", attrs: {} },
    { path: "layers", attrs: {} },
  ];
  const datasets: ({ path: string } & H5Tensor)[] = [];
  order.forEach((entry, i) => {
    const layer = entry.className === "InputLayer" ? null : layerByName(model, entry.name, "saving");
    const group = `layers/${names[i]}`;
    if (!layer) {
      groups.push({ path: `${group}/vars`, attrs: { name: entry.name } });
      return;
    }
    groups.push(...layerGroups(layer, group));
    for (const { sub, weights } of weightGroups(layer)) {
      weights.forEach((w, k) =>
        datasets.push({ path: `${group}${sub ? `/${sub}` : ""}/vars/${k}`, shape: [...w.shape], data: w.read() }),
      );
    }
  });
  groups.push({ path: "vars", attrs: { name: model.name } });
  return writeHdf5(groups, datasets);
}

/**
 * Pairs every weight of the model with its dataset and checks count and shape; returns the assignment, to run
 * only once everything matched, so a file that does not fit leaves the model as it was.
 */
function planAssignment(
  model: Layer,
  order: readonly KerasLayerEntry[],
  tensors: Map<string, H5Tensor>,
  source: string,
): () => void {
  if (tensors.size > 0 && ![...tensors.keys()].some((k) => k.startsWith("layers/"))) {
    throw new Error(
      `${source} holds no "layers/..." groups, so it is not laid out as Keras 3 lays out weights ` +
        `(a Keras 2 HDF5 file? its datasets include ${[...tensors.keys()].slice(0, 3).join(", ")}); save it again with Keras 3`,
    );
  }
  const names = groupNames(order);
  const pairs: [Weight, H5Tensor][] = [];
  order.forEach((entry, i) => {
    if (entry.className === "InputLayer") return;
    const layer = layerByName(model, entry.name, source);
    const group = `layers/${names[i]}`;
    for (const { sub, weights } of weightGroups(layer)) {
      const prefix = `${group}${sub ? `/${sub}` : ""}/vars/`;
      const inFile = [...tensors.keys()].filter((k) => k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length)));
      if (inFile.length > weights.length) {
        throw new Error(
          `${source}: ${layer.describe()} has ${weights.length} weights but the file has ${inFile.length} under ${prefix.slice(0, -1)}; ` +
            "is it the same architecture? The model was not changed",
        );
      }
      weights.forEach((w, k) => {
        const key = `${prefix}${k}`;
        const t = tensors.get(key);
        if (!t) {
          throw new Error(
            `${source}: missing weight ${w.path} [${w.shape.join(", ")}] of ${layer.describe()}: the file has no dataset ${key}; the model was not changed`,
          );
        }
        if (t.shape.length !== w.shape.length || t.shape.some((d, j) => d !== w.shape[j])) {
          throw new Error(
            `${source}: ${layer.describe()} weight ${w.path} has shape [${w.shape.join(", ")}] but the file's ${key} has shape [${t.shape.join(", ")}]; the model was not changed`,
          );
        }
        pairs.push([w, t]);
      });
    }
  });
  const counted = model.weights.length;
  if (pairs.length !== counted) {
    throw new Error(`${source}: matched ${pairs.length} of the model's ${counted} weights; the model was not changed`);
  }
  return () => pairs.forEach(([w, t]) => w.write(t.data));
}

// ----- Keras's order of a functional model's layers -----

/**
 * The layers as Keras lists them: for a Sequential model its layers (no input layer); for a functional one
 * every layer, input layers included, by decreasing depth from the outputs, ties in the order a depth-first
 * walk back from the outputs first meets them (Keras's map_graph).
 */
export function kerasLayerOrder(spec: ModelSpec): KerasLayerEntry[] {
  const entry = (s: ModelSpec["layers"][number]): KerasLayerEntry => ({
    name: s.config.name as string,
    className: s.model ? s.model.className : s.className,
  });
  if (spec.className === "Sequential") return spec.layers.map(entry);
  const byName = new Map(spec.layers.map((s) => [s.config.name as string, s]));
  const parents = (id: string): string[] => {
    const [layer, call] = id.split("#");
    const s = byName.get(layer);
    return s?.inbound?.[Number(call)]?.inputs ?? [];
  };
  const discovered = new Map<string, number>();
  const finished = new Set<string>();
  const decreasing: string[] = [];
  const walk = (id: string) => {
    if (finished.has(id)) return;
    const layer = id.split("#")[0];
    if (!discovered.has(layer)) discovered.set(layer, discovered.size);
    for (const p of parents(id)) walk(p);
    finished.add(id);
    decreasing.push(id);
  };
  for (const o of spec.outputs ?? []) walk(o);
  const nodeDepth = new Map<string, number>();
  const layerDepth = new Map<string, number>();
  for (const id of [...decreasing].reverse()) {
    const layer = id.split("#")[0];
    const depth = Math.max(nodeDepth.get(id) ?? 0, layerDepth.get(layer) ?? 0);
    layerDepth.set(layer, depth);
    nodeDepth.set(id, depth);
    for (const p of parents(id)) nodeDepth.set(p, Math.max(depth + 1, nodeDepth.get(p) ?? 0));
  }
  for (const id of spec.inputs ?? []) {
    const layer = id.split("#")[0];
    if (!layerDepth.has(layer)) {
      layerDepth.set(layer, 0);
      discovered.set(layer, -1);
    }
  }
  const names = [...layerDepth.keys()].sort(
    (a, b) => layerDepth.get(b)! - layerDepth.get(a)! || discovered.get(a)! - discovered.get(b)!,
  );
  return names.map((n) => entry(byName.get(n)!));
}
