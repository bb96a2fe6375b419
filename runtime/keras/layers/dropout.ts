/**
 * Dropout: in training, zeroes each value with probability `rate` and scales
 * the rest by 1 / (1 - rate), so inference (which passes values through)
 * sees the same expected activation.
 */
import type { Tensor } from "../../tensor";
import { dropout } from "../../ops/dropout";
import {
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
} from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";

export class Dropout extends Layer {
  readonly rate: number;

  constructor(rate: number, options: LayerOptions = {}) {
    super(options);
    if (!(rate >= 0 && rate < 1)) throw new Error(`Dropout: rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
  }

  override call(inputs: LayerInputs, options: CallOptions): Tensor {
    return dropout(inputs as Tensor, this.rate, { training: options.training ?? false });
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate };
  }
}

registerLayer("Dropout", (c) => new Dropout(c.rate as number, fromConfigOptions(c)));
