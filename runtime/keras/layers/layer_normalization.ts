/**
 * LayerNormalization over the last axis (Keras's LayerNormalization): each
 * example's features are shifted to mean 0 and scaled to variance 1, then
 * multiplied by gamma and shifted by beta (both [dim]). Unlike
 * BatchNormalization it does not depend on the batch, so it behaves the same
 * in training and inference: what Transformers use.
 */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import { anyTime } from "../recurrent/shapes";
import { layerNorm } from "../../ops/normalization";

export interface LayerNormalizationOptions extends LayerOptions {
  /** Only the last axis (-1) is supported. */
  axis?: number;
  /** Added to the variance (default 1e-3, as Keras). */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
}

export class LayerNormalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Weight | null = null;
  beta: Weight | null = null;

  constructor(options: LayerNormalizationOptions = {}) {
    super(options);
    if ((options.axis ?? -1) !== -1)
      throw new Error(`LayerNormalization: only axis -1 (the last) is supported, got ${options.axis}`);
    this.epsilon = options.epsilon ?? 1e-3;
    this.center = options.center ?? true;
    this.scale = options.scale ?? true;
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    const dim = shape[shape.length - 1];
    if (typeof dim !== "number") throw this.shapeError("needs a known last dimension", shape);
    if (this.scale) this.gamma = this.addWeight("gamma", [dim], { initializer: "ones" });
    if (this.center) this.beta = this.addWeight("beta", [dim], { initializer: "zeros" });
  }

  override call(inputs: LayerInputs): Tensor {
    return layerNorm(inputs as Tensor, this.gamma?.value ?? null, this.beta?.value ?? null, this.epsilon);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

registerLayer("LayerNormalization", (c) => new LayerNormalization(c));
