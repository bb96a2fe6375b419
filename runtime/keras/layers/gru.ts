/**
 * GRU (Keras's conventions and weight layout): kernel [inputDim, 3 * units],
 * recurrent_kernel [units, 3 * units], gates ordered update, reset,
 * candidate; with resetAfter (default, as Keras 2 and 3) the bias is
 * [2, 3 * units], giving 3 * units * (inputDim + units + 2) parameters.
 */
import type { LayerConfig } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { cellFromConfig } from "../recurrent/config";
import { GRUCell, type GRUCellOptions } from "../recurrent/gru_cell";
import { RNN, type RNNOptions } from "./rnn";
import { cellOptionsConfig, splitRecurrentOptions } from "./recurrent_options";

export type GRUOptions = RNNOptions & GRUCellOptions;

export class GRU extends RNN {
  declare readonly cell: GRUCell;

  constructor(units: number, options: GRUOptions = {}) {
    const [layerOptions, cellOptions] = splitRecurrentOptions(options);
    super(new GRUCell(units, cellOptions), layerOptions);
  }

  protected override cellConfig(): LayerConfig {
    return cellOptionsConfig(this.cell);
  }
}

registerLayer("GRU", (c) => new GRU(c.units as number, cellFromConfig(c)));
