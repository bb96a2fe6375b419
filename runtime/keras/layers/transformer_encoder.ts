/**
 * TransformerEncoder: one encoder block of "Attention is all you need", as
 * keras_hub's TransformerEncoder(intermediateDim, numHeads): self-attention
 * (keyDim = dim / numHeads), dropout, residual, LayerNormalization, then a
 * two-layer feed-forward network (intermediateDim, then dim), dropout,
 * residual, LayerNormalization. `normalizeFirst` moves each normalisation
 * before its sub-block (pre-LN). Padding masks on the input hide those keys.
 */
import type { Tensor } from "../../tensor";
import { dropout } from "../../ops/dropout";
import type { ActivationIdentifier } from "../activations";
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
import { attachMask, maskOf } from "../recurrent/mask";
import { Dense } from "./dense";
import { LayerNormalization } from "./layer_normalization";
import { MultiHeadAttention } from "./multi_head_attention";
import { anyTime } from "../recurrent/shapes";

export interface TransformerBlockOptions extends LayerOptions {
  /** Dropout after attention and the feed-forward network, in training (default 0). */
  dropout?: number;
  /** The feed-forward network's activation (default "relu"). */
  activation?: ActivationIdentifier;
  /** LayerNormalization epsilon (default 1e-5, as keras_hub). */
  layerNormEpsilon?: number;
  /** Pre-LN: normalise before each sub-block instead of after the residual (default false). */
  normalizeFirst?: boolean;
}

export class TransformerEncoder extends Layer {
  readonly intermediateDim: number;
  readonly numHeads: number;
  readonly blockOptions: TransformerBlockOptions;
  attention: MultiHeadAttention | null = null;
  attentionNorm: LayerNormalization | null = null;
  feedForward: FeedForward | null = null;

  constructor(intermediateDim: number, numHeads: number, options: TransformerBlockOptions = {}) {
    super(options);
    checkBlockSizes("TransformerEncoder", intermediateDim, numHeads);
    this.intermediateDim = intermediateDim;
    this.numHeads = numHeads;
    this.blockOptions = options;
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    const dim = blockDim(this, inputShape, this.numHeads);
    this.attention = new MultiHeadAttention({
      numHeads: this.numHeads,
      keyDim: dim / this.numHeads,
      dropout: this.blockOptions.dropout,
      name: `${this.name}/self_attention`,
    });
    this.attention.ensureBuilt([inputShape as SymbolicShape, inputShape as SymbolicShape]);
    this.attentionNorm = norm(this, "self_attention_layer_norm", inputShape);
    this.feedForward = new FeedForward(this, dim, inputShape);
  }

  override call(inputs: LayerInputs, options: CallOptions & { attentionMask?: Tensor | null } = {}): Tensor {
    const x = inputs as Tensor;
    const first = this.blockOptions.normalizeFirst ?? false;
    const rate = this.blockOptions.dropout ?? 0;
    const mask = maskOf(x);
    const attnIn = first ? this.attentionNorm!.apply(x) : x;
    const keys = mask ? attachMask(attnIn, mask) : attnIn;
    const attended = this.attention!(attnIn, keys, undefined, {
      attentionMask: options.attentionMask,
      training: options.training,
    });
    let y = x.add(dropout(attended, rate, { training: options.training ?? false }));
    if (!first) y = this.attentionNorm!.apply(y);
    const out = this.feedForward!.apply(y, options.training ?? false, first);
    return mask ? attachMask(out, mask) : out;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override get sublayers(): Layer[] {
    return [...super.sublayers, ...(this.feedForward?.layers ?? [])];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), ...blockConfig(this.intermediateDim, this.numHeads, this.blockOptions) };
  }
}

/**
 * The feed-forward half of a Transformer block: Dense(intermediateDim,
 * activation), Dense(dim), dropout, residual and its LayerNormalization.
 */
export class FeedForward {
  readonly inner: Dense;
  readonly outer: Dense;
  readonly norm: LayerNormalization;
  private readonly rate: number;

  constructor(
    block: Layer & { intermediateDim: number; blockOptions: TransformerBlockOptions },
    dim: number,
    inputShape: InputShapes,
  ) {
    const o = block.blockOptions;
    this.inner = new Dense(block.intermediateDim, {
      activation: o.activation ?? "relu",
      name: `${block.name}/feedforward_intermediate_dense`,
    });
    this.outer = new Dense(dim, { name: `${block.name}/feedforward_output_dense` });
    this.inner.ensureBuilt(inputShape);
    this.outer.ensureBuilt([...(inputShape as SymbolicShape).slice(0, -1), block.intermediateDim]);
    this.norm = norm(block, "feedforward_layer_norm", inputShape);
    this.rate = o.dropout ?? 0;
  }

  /** Its sub-layers, for the block's weight tracking. */
  get layers(): Layer[] {
    return [this.inner, this.outer, this.norm];
  }

  apply(x: Tensor, training: boolean, normalizeFirst: boolean): Tensor {
    const input = normalizeFirst ? this.norm.apply(x) : x;
    const y = x.add(dropout(this.outer.apply(this.inner.apply(input)), this.rate, { training }));
    return normalizeFirst ? y : this.norm.apply(y);
  }
}

/** The model dimension of a block's input [batch, time, dim]; it must split evenly into heads. */
export function blockDim(layer: Layer, inputShape: InputShapes, numHeads: number): number {
  const shape = inputShape as SymbolicShape;
  const dim = shape[2];
  if (shape.length !== 3 || typeof dim !== "number")
    throw layer.shapeError("expects input [batch, time, dim]", inputShape);
  if (dim % numHeads !== 0)
    throw layer.shapeError(`needs a last dimension divisible by numHeads = ${numHeads}`, inputShape);
  return dim;
}

export function checkBlockSizes(who: string, intermediateDim: number, numHeads: number): void {
  for (const [k, v] of [
    ["intermediateDim", intermediateDim],
    ["numHeads", numHeads],
  ] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`${who}: ${k} must be a positive integer, got ${v}`);
  }
}

export function norm(
  block: Layer & { blockOptions: TransformerBlockOptions },
  name: string,
  inputShape: InputShapes,
): LayerNormalization {
  const layer = new LayerNormalization({
    epsilon: block.blockOptions.layerNormEpsilon ?? 1e-5,
    name: `${block.name}/${name}`,
  });
  layer.ensureBuilt(inputShape);
  return layer;
}

export function blockConfig(intermediateDim: number, numHeads: number, o: TransformerBlockOptions): LayerConfig {
  return {
    intermediateDim,
    numHeads,
    dropout: o.dropout ?? 0,
    activation: typeof o.activation === "string" ? o.activation : "relu",
    layerNormEpsilon: o.layerNormEpsilon ?? 1e-5,
    normalizeFirst: o.normalizeFirst ?? false,
  };
}

registerLayer(
  "TransformerEncoder",
  (c) => new TransformerEncoder(c.intermediateDim as number, c.numHeads as number, c),
);
