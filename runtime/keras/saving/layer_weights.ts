/**
 * Weights by layer, for the formats that name weights their own way
 * (TensorFlow.js's manifest, PyTorch's state_dict): the layers that own
 * weights in the order the model runs them, nested models opened, and a
 * checked write of every weight at once, so a file that does not fit leaves
 * the model as it was.
 */
import type { Layer } from "../engine/layer";
import type { Weight } from "../engine/weight";

/** A model's own layers: functional and Sequential models list them (`layers`), a plain layer has none. */
function innerLayers(layer: Layer): Layer[] | null {
  const layers = (layer as Layer & { layers?: unknown }).layers;
  return Array.isArray(layers) ? (layers as Layer[]) : null;
}

/** The layers holding weights, nested models opened, each once, in the model's order. */
export function weightedLayers(model: Layer): Layer[] {
  const found: Layer[] = [];
  const visit = (layer: Layer) => {
    const inner = innerLayers(layer);
    if (inner) inner.forEach(visit);
    else if (layer.weights.length > 0 && !found.includes(layer)) found.push(layer);
  };
  visit(model);
  return found;
}

export interface WeightValue {
  weight: Weight;
  /** The name the file gives this value, for error messages. */
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** Checks every value's shape against its weight, then writes them all; on a mismatch nothing is written. */
export function writeChecked(values: readonly WeightValue[], source: string, layerOf: (w: Weight) => Layer): void {
  for (const v of values) {
    const same = v.shape.length === v.weight.shape.length && v.shape.every((d, k) => d === v.weight.shape[k]);
    const count = v.shape.reduce((a, b) => a * b, 1);
    if (!same || count !== v.data.length) {
      throw new Error(
        `${source}: "${v.name}" has shape [${v.shape.join(", ")}] but ${layerOf(v.weight).describe()} expects ` +
          `${v.weight.name} of shape [${v.weight.shape.join(", ")}]; the model was not changed`,
      );
    }
  }
  for (const v of values) v.weight.write(v.data);
}
