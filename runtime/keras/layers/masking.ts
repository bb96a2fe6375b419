/**
 * Masking: marks the time steps whose features all equal `maskValue` as
 * padding (Keras's Masking). The output is the input with those steps zeroed,
 * and carries the mask [batch, time] to the next layers: recurrent layers
 * carry their state over masked steps, attention ignores them as keys.
 */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { attachMask } from "../recurrent/mask";
import { anyTime } from "../recurrent/shapes";

export interface MaskingOptions extends LayerOptions {
  /** Steps whose every feature equals this are masked (default 0). */
  maskValue?: number;
}

export class Masking extends Layer {
  readonly maskValue: number;

  constructor(options: MaskingOptions = {}) {
    super(options);
    this.maskValue = options.maskValue ?? 0;
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    if (x.rank !== 3)
      throw new Error(`${this.describe()}: expects input [batch, time, features], got ${x.shapeString()}`);
    const mask = x.ne(this.maskValue).max(-1);
    return attachMask(x.mul(mask.expandDims(-1)), mask);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}

registerLayer("Masking", (c) => new Masking(c));
