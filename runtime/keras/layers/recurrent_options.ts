/** Splitting SimpleRNN/LSTM/GRU options between the layer and its cell, and saving the cell's part. */
import type { LayerConfig } from "../engine/layer";
import type { RecurrentCell } from "../recurrent/cell";
import type { RNNOptions } from "./rnn";

const layerKeys = [
  "name",
  "trainable",
  "inputShape",
  "batchSize",
  "dtype",
  "returnSequences",
  "returnState",
  "goBackwards",
] as const;

/** [the RNN layer's options, the cell's options]. */
export function splitRecurrentOptions<T extends RNNOptions>(
  options: T,
): [RNNOptions, Omit<T, (typeof layerKeys)[number]>] {
  const layer: Record<string, unknown> = {};
  const cell: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if ((layerKeys as readonly string[]).includes(key)) layer[key] = value;
    else cell[key] = value;
  }
  if (options.trainable !== undefined) cell.trainable = options.trainable;
  return [layer, cell as Omit<T, (typeof layerKeys)[number]>];
}

/** The cell's options as the layer's config (Keras saves SimpleRNN/LSTM/GRU flat, without a nested cell). */
export function cellOptionsConfig(cell: RecurrentCell): LayerConfig {
  const { name: _name, trainable: _trainable, ...rest } = cell.getConfig();
  return rest;
}
