/**
 * TransformerDecoder: one decoder block, as keras_hub's
 * TransformerDecoder(intermediateDim, numHeads): causal self-attention (each
 * position sees itself and earlier ones), then, when an encoder sequence is
 * given, cross-attention from the decoder positions to it, then the
 * feed-forward network; each sub-block with dropout, residual and
 * LayerNormalization (after, or before with normalizeFirst).
 * Called as `decoder(decoderSequence)` or `decoder(decoderSequence, encoderSequence)`.
 * Padding masks (Embedding with maskZero, Masking) are read from both
 * sequences, as keras_hub does: padded decoder positions are hidden from
 * self-attention, padded encoder positions from cross-attention, and the
 * decoder's mask is passed on to the output.
 */
import { Tensor } from "../../tensor";
import { dropout } from "../../ops/dropout";
import { Layer, type CallOptions, type InputShapes, type LayerConfig, type LayerInputs } from "../engine/layer";
import { callableInstance } from "../engine/callable";
import { KerasTensor } from "../engine/keras_tensor";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { type LayerNormalization } from "./layer_normalization";
import { MultiHeadAttention } from "./multi_head_attention";
import {
  blockConfig,
  blockDim,
  checkBlockSizes,
  FeedForward,
  norm,
  type TransformerBlockOptions,
} from "./transformer_encoder";
import { anyTime } from "../recurrent/shapes";
import { attachMask, maskOf } from "../recurrent/mask";

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the call signatures of a layer instance: the Layer constructor returns a callable proxy (engine/callable.ts), which a class cannot declare
export interface TransformerDecoder {
  (decoderSequence: KerasTensor, encoderSequence?: KerasTensor): KerasTensor;
  (decoderSequence: Tensor, encoderSequence?: Tensor, options?: CallOptions): Tensor;
  (decoderSequence: Tensor, options?: CallOptions): Tensor;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class TransformerDecoder extends Layer {
  readonly intermediateDim: number;
  readonly numHeads: number;
  readonly blockOptions: TransformerBlockOptions;
  selfAttention: MultiHeadAttention | null = null;
  selfAttentionNorm: LayerNormalization | null = null;
  crossAttention: MultiHeadAttention | null = null;
  crossAttentionNorm: LayerNormalization | null = null;
  feedForward: FeedForward | null = null;

  constructor(intermediateDim: number, numHeads: number, options: TransformerBlockOptions = {}) {
    super(options);
    checkBlockSizes("TransformerDecoder", intermediateDim, numHeads);
    this.intermediateDim = intermediateDim;
    this.numHeads = numHeads;
    this.blockOptions = options;
    // keras_hub calls a decoder as decoder(decoderSequence, encoderSequence): two positional tensors.
    return callableInstance(this, (self, args) => self.invoke(args));
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    const list = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as readonly SymbolicShape[];
    const [decoder, encoder] = list;
    const dim = blockDim(this, decoder, this.numHeads);
    const attention = (name: string) =>
      new MultiHeadAttention({
        numHeads: this.numHeads,
        keyDim: dim / this.numHeads,
        dropout: this.blockOptions.dropout,
        name: `${this.name}/${name}`,
      });
    this.selfAttention = attention("self_attention");
    this.selfAttention.ensureBuilt([decoder, decoder]);
    this.selfAttentionNorm = norm(this, "self_attention_layer_norm", decoder);
    if (encoder) {
      this.crossAttention = attention("cross_attention");
      this.crossAttention.ensureBuilt([decoder, encoder]);
      this.crossAttentionNorm = norm(this, "cross_attention_layer_norm", decoder);
    }
    this.feedForward = new FeedForward(this, dim, decoder);
  }

  override call(inputs: LayerInputs, options: CallOptions = {}): Tensor {
    const [x, encoder] = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
    if (encoder && !this.crossAttention)
      throw new Error(
        `${this.describe()} was built without an encoder sequence; call it with the same inputs every time`,
      );
    const mask = maskOf(x);
    const training = options.training ?? false;
    const first = this.blockOptions.normalizeFirst ?? false;
    const rate = this.blockOptions.dropout ?? 0;
    const sub = (y: Tensor, normLayer: LayerNormalization, attend: (q: Tensor) => Tensor): Tensor => {
      const out = y.add(dropout(attend(first ? normLayer.apply(y) : y), rate, { training }));
      return first ? out : normLayer.apply(out);
    };
    // The keys carry the decoder's padding mask also when normalisation (normalizeFirst) made a new tensor of them.
    let y = sub(x, this.selfAttentionNorm!, (q) =>
      this.selfAttention!(q, mask ? attachMask(q, mask) : q, undefined, { useCausalMask: true, training }),
    );
    if (encoder) y = sub(y, this.crossAttentionNorm!, (q) => this.crossAttention!(q, encoder, undefined, { training }));
    const out = this.feedForward!.apply(y, training, first);
    return mask ? attachMask(out, mask) : out;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as SymbolicShape;
  }

  override get sublayers(): Layer[] {
    return [...super.sublayers, ...(this.feedForward?.layers ?? [])];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), ...blockConfig(this.intermediateDim, this.numHeads, this.blockOptions) };
  }

  private invoke(args: unknown[]): KerasTensor | Tensor {
    const [decoder, second, third] = args;
    const encoderGiven = second instanceof Tensor || second instanceof KerasTensor;
    const options = ((encoderGiven ? third : second) ?? {}) as CallOptions;
    const inputs = encoderGiven ? [decoder, second] : decoder;
    if (decoder instanceof KerasTensor) return this.apply(inputs as KerasTensor | KerasTensor[]);
    return this.apply(inputs as Tensor | Tensor[], options);
  }
}

registerLayer(
  "TransformerDecoder",
  (c) => new TransformerDecoder(c.intermediateDim as number, c.numHeads as number, c),
);
