/**
 * keras.models.loadModel (the read side of saving): a file written by
 * `model.save(path)` back to a model, with its weights. The spec names the
 * classes to build (Sequential, Functional, nested models inside either), so
 * this file imports the model classes; models/ never imports this file.
 */
import type { Layer } from "../engine/layer";
import { Input } from "../engine/input_layer";
import type { KerasTensor } from "../engine/keras_tensor";
import { layerFromConfig } from "../engine/serialization";
import { Functional } from "../models/functional";
import { Sequential } from "../models/sequential";
import { structuredOutputs, type ModelOutputs } from "../models/outputs";
import { readModel } from "./formats";
import type { LayerSpec, ModelSpec } from "./spec";

/**
 * keras.models.loadModel: the model saved by `model.save(path)`, with its weights. Compile it again to train.
 * A `model.json` (or a directory holding one) is read as a TensorFlow.js layers model, with its weight shards.
 * For a model with several outputs name their type, `loadModel<KerasTensor[]>(path)`, so predict is typed as a list.
 */
export function loadModel<T extends ModelOutputs = KerasTensor>(path: string): Functional<T> {
  const contents = readModel(path);
  let model: Functional<ModelOutputs>;
  try {
    model = deserializeModel(contents.spec);
  } catch (err) {
    if (contents.file === undefined) throw err;
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`loadModel: ${contents.file}: ${(err as Error).message}`);
  }
  contents.assignWeights(model);
  return model as Functional<T>;
}

function deserializeModel(spec: ModelSpec): Functional<ModelOutputs> {
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
  const outputsGiven = structuredOutputs(outputs, structure, spec.outputKeys ?? []);
  return new Functional<ModelOutputs>({ name: spec.name, inputs: spec.inputs!.map(lookup), outputs: outputsGiven });
}

function deserializeLayer(spec: LayerSpec): Layer {
  if (spec.model) return deserializeModel(spec.model);
  return layerFromConfig(spec.className, spec.config);
}
