/**
 * The shared body of the global pooling layers: the mean or maximum over
 * every step (1-D, [batch, steps, channels]) or every pixel (2-D, NHWC),
 * one value per channel.
 */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import type { SymbolicShape } from "../utils/shape";
import { requireImageInput, requireSequenceInput } from "./conv_utils";

export interface GlobalPoolingOptions extends LayerOptions {
  /** Keep the pooled axes as size 1: output (batch, 1, channels) or (batch, 1, 1, channels). */
  keepdims?: boolean;
}

export abstract class GlobalPooling extends Layer {
  readonly keepdims: boolean;
  protected abstract readonly mode: "max" | "avg";
  /** 1 for sequences, 2 for images. */
  protected abstract readonly spatialRank: 1 | 2;

  constructor(options: GlobalPoolingOptions = {}) {
    super(options);
    this.keepdims = options.keepdims ?? false;
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    if (this.spatialRank === 1) requireSequenceInput(this, shape);
    else requireImageInput(this, shape);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const axes = this.spatialRank === 1 ? [1] : [1, 2];
    return this.mode === "max" ? x.max(axes, this.keepdims) : x.mean(axes, this.keepdims);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    const [n, c] = [shape[0], shape[shape.length - 1]];
    return this.keepdims ? [n, ...new Array<number>(this.spatialRank).fill(1), c] : [n, c];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), keepdims: this.keepdims };
  }
}
