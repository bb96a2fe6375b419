/**
 * AdditiveAttention: Bahdanau-style attention, as Keras's AdditiveAttention:
 * scores[i, j] = sum(scale * tanh(query_i + key_j)) over the features, with a
 * learned `scale` [dim] when useScale (default). Weights, masks and output
 * as Attention.
 */
import type { Tensor } from "../../tensor";
import { tanh } from "../../ops/activation";
import type { InputShapes } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { Attention, checkAttentionInputs, type AttentionOptions } from "./attention";

export class AdditiveAttention extends Attention {
  constructor(options: AttentionOptions = {}) {
    super({ ...options, useScale: options.useScale ?? true });
  }

  override build(inputShape: InputShapes): void {
    checkAttentionInputs(this, inputShape);
    const dim = (inputShape as readonly SymbolicShape[])[0][2] as number;
    if (this.useScale) this.scale = this.addWeight("scale", [dim], { initializer: "glorot_uniform" });
  }

  /** [batch, Tq, 1, dim] + [batch, 1, Tv, dim], squashed and summed over dim. */
  protected override scores(query: Tensor, key: Tensor): Tensor {
    const summed = tanh(query.expandDims(2).add(key.expandDims(1)));
    const scaled = this.scale ? summed.mul(this.scale.value) : summed;
    return scaled.sum(-1);
  }
}

registerLayer("AdditiveAttention", (c) => new AdditiveAttention(c));
