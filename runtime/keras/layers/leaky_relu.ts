/** LeakyReLU: x for x >= 0, negativeSlope * x below (Keras 3 default slope 0.3). */
import type { Tensor } from "../../tensor";
import { leakyRelu } from "../../ops/activation";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";

export interface LeakyReLUOptions extends LayerOptions {
  negativeSlope?: number;
  /** Keras 2's name for negativeSlope. */
  alpha?: number;
}

export class LeakyReLU extends Layer {
  readonly negativeSlope: number;

  constructor(options: LeakyReLUOptions = {}) {
    super(options);
    this.negativeSlope = options.negativeSlope ?? options.alpha ?? 0.3;
    if (!(this.negativeSlope >= 0)) throw new Error(`LeakyReLU: negativeSlope must be >= 0, got ${this.negativeSlope}`);
  }

  override call(inputs: LayerInputs): Tensor {
    return leakyRelu(inputs as Tensor, this.negativeSlope);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope };
  }
}

registerLayer("LeakyReLU", (c) => new LeakyReLU(fromConfigOptions(c)));
