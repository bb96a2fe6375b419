/**
 * SimpleRNN: the lecture's recurrent layer, h_t = tanh(W h_{t-1} + U x_t + b)
 * with the weights shared over time (Keras's SimpleRNN). Weights:
 * kernel [inputDim, units] (U), recurrent_kernel [units, units] (W), bias [units];
 * units * (inputDim + units + 1) parameters. Step through it by hand with
 * `layer.cell.step(x_t, h)`.
 */
import type { LayerConfig } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { CellOptions } from "../recurrent/cell";
import { cellFromConfig } from "../recurrent/config";
import { SimpleRNNCell } from "../recurrent/simple_rnn_cell";
import { RNN, type RNNOptions } from "./rnn";
import { cellOptionsConfig, splitRecurrentOptions } from "./recurrent_options";

export type SimpleRNNOptions = RNNOptions & CellOptions;

export class SimpleRNN extends RNN {
  declare readonly cell: SimpleRNNCell;

  constructor(units: number, options: SimpleRNNOptions = {}) {
    const [layerOptions, cellOptions] = splitRecurrentOptions(options);
    super(new SimpleRNNCell(units, cellOptions), layerOptions);
  }

  protected override cellConfig(): LayerConfig {
    return cellOptionsConfig(this.cell);
  }
}

registerLayer("SimpleRNN", (c) => new SimpleRNN(c.units as number, cellFromConfig(c)));
