/**
 * Saving and loading models. Weights go to a safetensors file (tensor names
 * are weight paths such as "conv2d/kernel"). `save` writes the same file with
 * the architecture as JSON in the header's `__metadata__` ("nnlab_model"), so
 * one file restores the model and stays readable by safetensors tools. Every
 * write is atomic; loading validates every tensor before changing any weight,
 * so a failed load leaves the model as it was.
 */
import * as fs from "node:fs";
import type { Layer, LayerConfig } from "../engine/layer";
import { Input } from "../engine/input_layer";
import type { KerasTensor } from "../engine/keras_tensor";
import { layerFromConfig, modelClasses } from "../engine/serialization";
import type { AnyModel, Model, ModelOutputs, OutputStructure } from "../models/model";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "./safetensors";
import { writeFileAtomic } from "./atomic_write";

const ARCHITECTURE_KEY = "nnlab_model";

export function saveWeightsFile(model: Layer, path: string): void {
  writeFileAtomic(path, encodeSafetensors(weightTensors(model), { format: "nnlab" }));
}

export function loadWeightsFile(model: Layer, path: string): void {
  const { tensors } = decodeSafetensors(readBytes(path), path);
  assignWeights(model, tensors, path);
}

export function saveModelFile(model: AnyModel, path: string): void {
  const architecture = JSON.stringify(serializeModel(model));
  writeFileAtomic(path, encodeSafetensors(weightTensors(model), { format: "nnlab", [ARCHITECTURE_KEY]: architecture }));
}

/**
 * keras.models.loadModel: the model saved by `model.save(path)`, with its weights. Compile it again to train.
 * For a model with several outputs name their type, `loadModel<KerasTensor[]>(path)`, so predict is typed as a list.
 */
export function loadModel<T extends ModelOutputs = KerasTensor>(path: string): Model<T> {
  const { tensors, metadata } = decodeSafetensors(readBytes(path), path);
  const json = metadata[ARCHITECTURE_KEY];
  if (!json)
    throw new Error(
      `loadModel: ${path} holds weights only (saved with saveWeights); build the model in code and call model.loadWeights("${path}")`,
    );
  const model = deserializeModel(JSON.parse(json) as ModelSpec);
  assignWeights(model, tensors, path);
  return model as Model<T>;
}

interface LayerSpec {
  className: string;
  config: LayerConfig;
  /** For graph models: the tensors each call of the layer consumed, as "layer#node" ids. */
  inbound?: { inputs: string[]; listInput: boolean }[];
  /** A nested model's own spec. */
  model?: ModelSpec;
}

interface ModelSpec {
  className: "Sequential" | "Functional";
  name: string;
  inputShape?: (number | null)[] | null;
  layers: LayerSpec[];
  inputs?: string[];
  outputs?: string[];
  /** How the outputs were given (one, a list, an object with `outputKeys`); files without it have a list when there are several. */
  outputStructure?: OutputStructure;
  outputKeys?: string[];
}

function serializeModel(model: AnyModel): ModelSpec {
  const { Model, Sequential } = modelClasses();
  if (model instanceof Sequential) {
    return {
      className: "Sequential",
      name: model.name,
      inputShape: model.inputs[0] ? [...model.inputs[0].shape.slice(1)] : null,
      layers: model.layers.map(serializeLayer),
    };
  }
  if (model.inputs.length === 0 || Object.getPrototypeOf(model) !== Model.prototype) {
    throw new Error(
      `save: ${model.describe()} is a subclassed model, whose call() cannot be stored as JSON; ` +
        `save its weights with model.saveWeights(path) and rebuild it in code, or build it with keras.Sequential / keras.Model({ inputs, outputs })`,
    );
  }
  const ids = new Map<KerasTensor, string>();
  const idOf = (t: KerasTensor) => {
    let id = ids.get(t);
    if (!id) {
      id = `${t.node.layer.name}#${t.node.layer.inboundNodes.indexOf(t.node)}`;
      ids.set(t, id);
    }
    return id;
  };
  const nodesOf = new Map<Layer, { inputs: string[]; listInput: boolean }[]>();
  for (const layer of model.layers) nodesOf.set(layer, []);
  // The graph's nodes in topological order; a shared layer contributes one entry per call.
  for (const t of model.inputs) idOf(t);
  const order = collectNodes(model);
  for (const node of order) {
    nodesOf.get(node.layer)!.push({ inputs: node.inputs.map(idOf), listInput: node.listInput });
    idOf(node.output);
  }
  return {
    className: "Functional",
    name: model.name,
    layers: model.layers.map((l) => ({ ...serializeLayer(l), inbound: nodesOf.get(l) })),
    inputs: model.inputs.map(idOf),
    outputs: model.outputs.map(idOf),
    outputStructure: model.outputStructure,
    ...(model.outputKeys ? { outputKeys: [...model.outputKeys] } : {}),
  };
}

function serializeLayer(layer: Layer): LayerSpec {
  if (layer instanceof modelClasses().Model)
    return { className: layer.className, config: layer.getConfig(), model: serializeModel(layer) };
  return { className: layer.className, config: layer.getConfig() };
}

function deserializeModel(spec: ModelSpec): AnyModel {
  const { Model, Sequential } = modelClasses();
  if (spec.className === "Sequential") {
    const layers = spec.layers.map(deserializeLayer);
    const start = spec.inputShape ? [Input({ shape: spec.inputShape })] : [];
    return new Sequential([...start, ...layers], { name: spec.name });
  }
  const tensors = new Map<string, KerasTensor>();
  const pending = spec.layers.map((s) => ({
    spec: s,
    layer: s.className === "InputLayer" ? null : deserializeLayer(s),
    done: 0,
  }));
  for (const p of pending) {
    if (p.spec.className !== "InputLayer") continue;
    const t = Input({ shape: p.spec.config.shape as (number | null)[], name: p.spec.config.name as string });
    tensors.set(`${p.spec.config.name as string}#0`, t);
  }
  // Apply each layer's calls once all their inputs exist (layers are stored in topological order, so one pass
  // usually suffices; shared layers may need more).
  let progressed = true;
  while (progressed) {
    progressed = false;
    for (const p of pending) {
      const calls = p.spec.inbound ?? [];
      while (p.layer && p.done < calls.length && calls[p.done].inputs.every((id) => tensors.has(id))) {
        const call = calls[p.done];
        const args = call.inputs.map((id) => tensors.get(id)!);
        tensors.set(`${p.layer.name}#${p.layer.inboundNodes.length}`, p.layer.apply(call.listInput ? args : args[0]));
        p.done += 1;
        progressed = true;
      }
    }
  }
  const lookup = (id: string) => {
    const t = tensors.get(id);
    if (!t) throw new Error(`loadModel: the saved graph refers to "${id}", which could not be rebuilt`);
    return t;
  };
  const outputs = spec.outputs!.map(lookup);
  const structure = spec.outputStructure ?? (outputs.length === 1 ? "single" : "list");
  const keys = spec.outputKeys ?? [];
  const structured: ModelOutputs =
    structure === "single"
      ? outputs[0]
      : structure === "list"
        ? outputs
        : Object.fromEntries(keys.map((k, i) => [k, outputs[i]]));
  return new Model<ModelOutputs>({ name: spec.name, inputs: spec.inputs!.map(lookup), outputs: structured });
}

function deserializeLayer(spec: LayerSpec): Layer {
  if (spec.model) return deserializeModel(spec.model);
  return layerFromConfig(spec.className, spec.config);
}

function collectNodes(
  model: AnyModel,
): { layer: Layer; inputs: readonly KerasTensor[]; listInput: boolean; output: KerasTensor }[] {
  const inputSet = new Set(model.inputs);
  const order: { layer: Layer; inputs: readonly KerasTensor[]; listInput: boolean; output: KerasTensor }[] = [];
  const seen = new Set<KerasTensor>();
  const visit = (t: KerasTensor) => {
    if (inputSet.has(t) || seen.has(t)) return;
    seen.add(t);
    t.node.inputs.forEach(visit);
    order.push({ layer: t.node.layer, inputs: t.node.inputs, listInput: t.node.listInput, output: t });
  };
  model.outputs.forEach(visit);
  return order;
}

function weightTensors(model: Layer): NamedTensor[] {
  const used = new Map<string, number>();
  return model.weights.map((w) => {
    const n = used.get(w.path) ?? 0;
    used.set(w.path, n + 1);
    return { name: n === 0 ? w.path : `${w.path}_${n}`, shape: w.shape, data: w.read() };
  });
}

/** Matches saved tensors to the model's weights by name, else by position; checks everything before writing anything. */
function assignWeights(model: Layer, tensors: readonly NamedTensor[], source: string): void {
  const weights = model.weights;
  const names = weightTensors(model).map((t) => t.name);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const matched = names.every((n) => byName.has(n)) ? names.map((n) => byName.get(n)!) : null;
  if (!matched && tensors.length !== weights.length) {
    throw new Error(
      `loadWeights: ${source} has ${tensors.length} tensors (${tensors
        .slice(0, 4)
        .map((t) => t.name)
        .join(", ")}${tensors.length > 4 ? ", ..." : ""}) ` +
        `but the model has ${weights.length} weights (${names.slice(0, 4).join(", ")}${names.length > 4 ? ", ..." : ""}); is it the same architecture?`,
    );
  }
  const source_ = matched ?? tensors;
  weights.forEach((w, i) => {
    const t = source_[i];
    if (t.shape.length !== w.shape.length || t.shape.some((d, k) => d !== w.shape[k])) {
      throw new Error(
        `loadWeights: ${source} tensor "${t.name}" has shape [${t.shape.join(", ")}] but weight ${w.path} has shape [${w.shape.join(", ")}]; the model was not changed`,
      );
    }
  });
  weights.forEach((w, i) => w.write(source_[i].data));
}

function readBytes(path: string): Uint8Array {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new Error(`Cannot read "${path}": ${(err as Error).message}`);
  }
}
