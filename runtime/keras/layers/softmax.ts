/** Softmax (Keras's layer): e^x / sum(e^x) along `axis` (default the last). */
import type { Tensor } from "../../tensor";
import { softmax } from "../../ops/activation";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions, positionalSecond } from "./config";

export interface SoftmaxOptions extends LayerOptions {
  /** The axis whose values sum to 1; negative counts from the end. Default -1. */
  axis?: number;
}

export class Softmax extends Layer {
  readonly axis: number;

  /** `Softmax()`, `Softmax(1)` (Keras's positional axis) or `Softmax({ axis: 1 })`. */
  constructor(axis?: number | SoftmaxOptions, options: SoftmaxOptions = {}) {
    const o = positionalSecond(axis, options, "axis");
    super(o);
    this.axis = o.axis ?? -1;
    if (!Number.isInteger(this.axis))
      throw new Error(`Softmax: axis must be an integer, got ${JSON.stringify(this.axis)}`);
  }

  override build(inputShape: InputShapes): void {
    const rank = (inputShape as SymbolicShape).length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 1 || axis >= rank)
      throw this.shapeError(`has axis ${this.axis}, which is not a non-batch axis of the input`, inputShape);
  }

  override call(inputs: LayerInputs): Tensor {
    return softmax(inputs as Tensor, this.axis);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

registerLayer("Softmax", (c) => new Softmax(fromConfigOptions<SoftmaxOptions>(c)));
