/**
 * nnlab's own model and weights file (saving/formats.ts picks it for every
 * path that is not a Keras one: `.safetensors` by convention). Weights go to
 * a safetensors file (tensor
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
import type { Layer } from "../engine/layer";
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from "./safetensors";
import { writeFileAtomic } from "./atomic_write";
import type { ModelSpec } from "./spec";
import type { FileFormat, ModelContents } from "./formats";

const ARCHITECTURE_KEY = "nnlab_model";

/** A model that can describe its architecture (functional and Sequential models; a subclassed one throws). */
export interface SavableModel extends Layer {
  architecture(): ModelSpec;
}

/** nnlab's safetensors file: weights under their paths, the architecture (for `save`) in the header's metadata. */
export const nnlabFormat: FileFormat = {
  description: "an nnlab safetensors file (.safetensors)",
  claimsPath: () => true,
  recognizes: (bytes) => bytes.length > 8 && bytes[8] === 0x7b, // the 8-byte header length, then the JSON header's "{"
  saveWeights: (model, path) => writeFileAtomic(path, encodeSafetensors(weightTensors(model), { format: "nnlab" })),
  loadWeights: (model, bytes, path) => assignWeights(model, decodeSafetensors(bytes, path).tensors, path),
  saveModel: (model, path) => {
    const architecture = JSON.stringify(model.architecture());
    writeFileAtomic(
      path,
      encodeSafetensors(weightTensors(model), { format: "nnlab", [ARCHITECTURE_KEY]: architecture }),
    );
  },
  readModel: (bytes, path) => readModelFile(bytes, path),
};

/** A file written by `save` in nnlab's format: the architecture, and its tensors to assign. */
function readModelFile(bytes: Uint8Array, path: string): ModelContents {
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  const json = metadata[ARCHITECTURE_KEY];
  if (!json)
    throw new Error(
      `loadModel: ${path} holds weights only (saved with saveWeights); build the model in code and call model.loadWeights("${path}")`,
    );
  return { spec: JSON.parse(json) as ModelSpec, assignWeights: (model) => assignWeights(model, tensors, path) };
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
