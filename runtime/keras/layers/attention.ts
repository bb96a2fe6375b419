/**
 * Attention: dot-product (Luong) attention, as Keras's Attention. Called on
 * [query [batch, Tq, dim], value [batch, Tv, dim]] or [query, value, key]:
 * scores = query · keyᵀ (times a learned scalar with useScale), weights =
 * softmax over the keys, output = weights · value [batch, Tq, dim]. Padding
 * masks attached to the value (Masking, Embedding) hide those keys;
 * `useCausalMask` hides later keys. The weights of the latest call are in
 * `lastAttentionScores`, or returned by `callWithScores`.
 */
import type { Tensor } from "../../tensor";
import { matmul } from "../../ops/linalg";
import type { KerasTensor } from "../engine/keras_tensor";
import {
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
  type SymbolicInputs,
} from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import { maskOf } from "../recurrent/mask";
import { attend, keptScores } from "./attention_scores";
import { anyTime } from "../recurrent/shapes";

export interface AttentionOptions extends LayerOptions {
  /** Learn a scalar that multiplies the scores (default false). */
  useScale?: boolean;
  /** Dropout on the attention weights in training (default 0). */
  dropout?: number;
}

export interface AttentionCallOptions extends CallOptions {
  /** Hide keys after each query's position (decoder self-attention). */
  useCausalMask?: boolean;
  /** [batch, Tv]: 1 for real value steps, 0 for padding; overrides a mask attached to the value. */
  valueMask?: Tensor | null;
}

/** Calling Attention takes a causal flag and a value mask besides `training`. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the call signatures of a layer instance: the Layer constructor returns a callable proxy (engine/callable.ts), which a class cannot declare
export interface Attention {
  (inputs: SymbolicInputs, options?: AttentionCallOptions): KerasTensor;
  (inputs: LayerInputs, options?: AttentionCallOptions): Tensor;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class Attention extends Layer {
  readonly useScale: boolean;
  readonly dropout: number;
  scale: Weight | null = null;
  /** The attention weights [batch, Tq, Tv] of the latest call. */
  lastAttentionScores: Tensor | null = null;

  constructor(options: AttentionOptions = {}) {
    super(options);
    this.useScale = options.useScale ?? false;
    this.dropout = options.dropout ?? 0;
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    checkAttentionInputs(this, inputShape);
    if (this.useScale) this.scale = this.addWeight("scale", [], { initializer: "ones" });
  }

  override call(inputs: LayerInputs, options: AttentionCallOptions = {}): Tensor {
    return this.callWithScores(inputs as readonly Tensor[], options)[0];
  }

  /** [output, attention weights] (Keras's return_attention_scores=True). */
  callWithScores(inputs: readonly Tensor[], options: AttentionCallOptions = {}): [Tensor, Tensor] {
    this.ensureBuilt(inputs.map((t) => [null, ...t.shape.slice(1)]));
    const [query, value, key = value] = inputs;
    const [output, weights] = attend(this.scores(query, key), value, {
      keyMask: options.valueMask ?? maskOf(value),
      causal: options.useCausalMask,
      dropout: this.dropout,
      training: options.training,
    });
    this.lastAttentionScores = keptScores(this.lastAttentionScores, weights);
    const queryMask = maskOf(query);
    return [queryMask ? output.mul(queryMask.expandDims(-1)) : output, weights];
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [query, value] = inputShape as readonly SymbolicShape[];
    return [...query.slice(0, -1), value[value.length - 1]];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), useScale: this.useScale, dropout: this.dropout };
  }

  /** Scores [batch, Tq, Tv] before the softmax. */
  protected scores(query: Tensor, key: Tensor): Tensor {
    const dot = matmul(query, key, { transposeB: true });
    return this.scale ? dot.mul(this.scale.value) : dot;
  }
}

/** Validates [query, value(, key)] shapes of rank 3 with matching batch and key/value lengths. */
export function checkAttentionInputs(layer: Layer, inputShape: InputShapes): void {
  const list = inputShape as readonly SymbolicShape[];
  const ok = Array.isArray(list[0]) && (list.length === 2 || list.length === 3) && list.every((s) => s.length === 3);
  if (!ok) throw layer.shapeError("expects [query, value] or [query, value, key], each [batch, time, dim]", inputShape);
  const [, value, key = value] = list;
  if (value[1] !== null && key[1] !== null && value[1] !== key[1])
    throw layer.shapeError("needs value and key of the same length", inputShape);
}

registerLayer("Attention", (c) => new Attention(c));
