/**
 * The model file and the weights file (the write side of saving, and loading
 * weights into a model that exists). Weights go to a safetensors file (tensor
 * names are weight paths such as "conv2d/kernel"). `save` writes the same
 * file with the architecture as JSON in the header's `__metadata__`
 * ("nnlab_model"), so one file restores the model and stays readable by
 * safetensors tools. Every write is atomic; loading validates every tensor
 * before changing any weight, so a failed load leaves the model as it was.
 *
 * Nothing here needs the model classes: a model hands over its own spec
 * (`architecture()`), so models/ can import this file and the loader
 * (saving/load_model.ts), which builds models, can import models/.
 */
import * as fs from "node:fs";
import type { Layer } from "../engine/layer";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "./safetensors";
import { writeFileAtomic } from "./atomic_write";
import type { ModelSpec } from "./spec";

const ARCHITECTURE_KEY = "nnlab_model";

/** A model that can describe its architecture (functional and Sequential models; a subclassed one throws). */
export interface SavableModel extends Layer {
  architecture(): ModelSpec;
}

export function saveWeightsFile(model: Layer, path: string): void {
  writeFileAtomic(path, encodeSafetensors(weightTensors(model), { format: "nnlab" }));
}

export function loadWeightsFile(model: Layer, path: string): void {
  const { tensors } = decodeSafetensors(readBytes(path), path);
  assignWeights(model, tensors, path);
}

export function saveModelFile(model: SavableModel, path: string): void {
  const architecture = JSON.stringify(model.architecture());
  writeFileAtomic(path, encodeSafetensors(weightTensors(model), { format: "nnlab", [ARCHITECTURE_KEY]: architecture }));
}

/** A file written by `saveModelFile`: the architecture and the tensors. */
export function readModelFile(path: string): { spec: ModelSpec; tensors: NamedTensor[] } {
  const { tensors, metadata } = decodeSafetensors(readBytes(path), path);
  const json = metadata[ARCHITECTURE_KEY];
  if (!json)
    throw new Error(
      `loadModel: ${path} holds weights only (saved with saveWeights); build the model in code and call model.loadWeights("${path}")`,
    );
  return { spec: JSON.parse(json) as ModelSpec, tensors };
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
export function assignWeights(model: Layer, tensors: readonly NamedTensor[], source: string): void {
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
    // The reason is in the message already; a cause would print it twice in a notebook's traceback.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`Cannot read "${path}": ${(err as Error).message}`);
  }
}
