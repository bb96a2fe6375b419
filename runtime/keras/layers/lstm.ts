/**
 * LSTM (Keras's conventions and weight layout): kernel [inputDim, 4 * units],
 * recurrent_kernel [units, 4 * units], bias [4 * units], gates ordered input,
 * forget, candidate, output; 4 * units * (inputDim + units + 1) parameters.
 * recurrentStates() reports the cell state c beside the hidden state h.
 */
import type { LayerConfig } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { cellFromConfig } from "../recurrent/config";
import { LSTMCell, type LSTMCellOptions } from "../recurrent/lstm_cell";
import { RNN, type RNNOptions } from "./rnn";
import { cellOptionsConfig, splitRecurrentOptions } from "./recurrent_options";

export type LSTMOptions = RNNOptions & LSTMCellOptions;

export class LSTM extends RNN {
  declare readonly cell: LSTMCell;

  constructor(units: number, options: LSTMOptions = {}) {
    const [layerOptions, cellOptions] = splitRecurrentOptions(options);
    super(new LSTMCell(units, cellOptions), layerOptions);
  }

  protected override cellConfig(): LayerConfig {
    return cellOptionsConfig(this.cell);
  }
}

registerLayer("LSTM", (c) => new LSTM(c.units as number, cellFromConfig(c)));
