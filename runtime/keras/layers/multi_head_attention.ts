/**
 * MultiHeadAttention with Keras's signature and weight layout:
 * `layers.MultiHeadAttention({ numHeads, keyDim, valueDim?, dropout?, useBias?, outputShape? })`
 * called as `mha(query, value, key?, { attentionMask, useCausalMask, returnAttentionScores, training })`.
 * Each head projects query and key to keyDim and value to valueDim
 * (kernels [dim, numHeads, keyDim], biases [numHeads, keyDim]), attends with
 * scores q·kᵀ / sqrt(keyDim), and the heads' outputs are projected back
 * (kernel [numHeads, valueDim, outDim], bias [outDim]). With
 * returnAttentionScores the call returns [output, scores [batch, numHeads, Tq, Tk]].
 */
import { Tensor } from "../../tensor";
import { matmul } from "../../ops/linalg";
import {
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
} from "../engine/layer";
import { callableInstance } from "../engine/callable";
import { KerasTensor } from "../engine/keras_tensor";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import { maskOf } from "../recurrent/mask";
import { attend, keptScores } from "./attention_scores";
import { anyTime } from "../recurrent/shapes";

export interface MultiHeadAttentionOptions extends LayerOptions {
  numHeads: number;
  /** Size of each head's query and key projections. */
  keyDim: number;
  /** Size of each head's value projection (default keyDim). */
  valueDim?: number;
  /** Dropout on the attention weights in training (default 0). */
  dropout?: number;
  useBias?: boolean;
  /** Last dimension of the output (default the query's). */
  outputShape?: number;
}

export interface MultiHeadAttentionCallOptions extends CallOptions {
  /** [batch, Tq, Tk]: 1 where query i may attend to key j. */
  attentionMask?: Tensor | null;
  /** Query i attends only to keys up to i (decoder self-attention). */
  useCausalMask?: boolean;
  returnAttentionScores?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the call signatures of a layer instance: the Layer constructor returns a callable proxy (engine/callable.ts), which a class cannot declare
export interface MultiHeadAttention {
  (query: KerasTensor, value: KerasTensor, key?: KerasTensor): KerasTensor;
  (
    query: Tensor,
    value: Tensor,
    key: Tensor | undefined,
    options: MultiHeadAttentionCallOptions & { returnAttentionScores: true },
  ): [Tensor, Tensor];
  (query: Tensor, value: Tensor, key?: Tensor, options?: MultiHeadAttentionCallOptions): Tensor;
  (query: Tensor, value: Tensor, options?: MultiHeadAttentionCallOptions): Tensor;
}

interface Projection {
  kernel: Weight;
  bias: Weight | null;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class MultiHeadAttention extends Layer {
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShape: number | null;
  /** The attention weights [batch, numHeads, Tq, Tk] of the latest call. */
  lastAttentionScores: Tensor | null = null;
  private projections: { query: Projection; key: Projection; value: Projection; output: Projection } | null = null;

  constructor(options: MultiHeadAttentionOptions) {
    super(options);
    const { numHeads, keyDim } = options ?? ({} as MultiHeadAttentionOptions);
    for (const [k, v] of [
      ["numHeads", numHeads],
      ["keyDim", keyDim],
      ["valueDim", options?.valueDim ?? keyDim],
    ] as const) {
      if (!(Number.isInteger(v) && v > 0))
        throw new Error(`MultiHeadAttention: ${k} must be a positive integer, got ${v}`);
    }
    this.numHeads = numHeads;
    this.keyDim = keyDim;
    this.valueDim = options.valueDim ?? keyDim;
    this.dropout = options.dropout ?? 0;
    this.useBias = options.useBias ?? true;
    this.outputShape = options.outputShape ?? null;
    // Keras calls attention as mha(query, value, key, options): four positional arguments, not a layer's (inputs, options).
    return callableInstance(this, (self, args) => self.invoke(args));
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    const list = inputShape as readonly SymbolicShape[];
    if (!Array.isArray(list[0]) || list.length < 2 || list.some((s) => s.length !== 3 || typeof s[2] !== "number")) {
      throw this.shapeError("expects query and value (and key) of shape [batch, time, dim]", inputShape);
    }
    const [q, v, k = v] = list.map((s) => s[2] as number);
    const h = this.numHeads;
    this.projections = {
      query: this.projection("query", [q, h, this.keyDim], [h, this.keyDim]),
      key: this.projection("key", [k, h, this.keyDim], [h, this.keyDim]),
      value: this.projection("value", [v, h, this.valueDim], [h, this.valueDim]),
      output: this.projection("attention_output", [h, this.valueDim, this.outputShape ?? q], [this.outputShape ?? q]),
    };
  }

  override call(inputs: LayerInputs, options: MultiHeadAttentionCallOptions = {}): Tensor {
    return this.callWithScores(inputs as readonly Tensor[], options)[0];
  }

  /** [output [batch, Tq, outDim], scores [batch, numHeads, Tq, Tk]]. */
  callWithScores(inputs: readonly Tensor[], options: MultiHeadAttentionCallOptions = {}): [Tensor, Tensor] {
    this.ensureBuilt(inputs.map((t) => [null, ...t.shape.slice(1)]));
    const [query, value, key = value] = inputs;
    const p = this.projections!;
    const q = this.heads(query, p.query, this.keyDim).mul(1 / Math.sqrt(this.keyDim));
    const k = this.heads(key, p.key, this.keyDim);
    const v = this.heads(value, p.value, this.valueDim);
    const [context, weights] = attend(matmul(q, k, { transposeB: true }), v, {
      keyMask: maskOf(value),
      attentionMask: options.attentionMask,
      causal: options.useCausalMask,
      dropout: this.dropout,
      training: options.training,
    });
    this.lastAttentionScores = keptScores(this.lastAttentionScores, weights);
    const [batch, tq] = query.shape;
    const merged = context.transpose([0, 2, 1, 3]).reshape([batch * tq, this.numHeads * this.valueDim]);
    const outDim = p.output.kernel.shape[2];
    let out = merged.matmul(p.output.kernel.value.reshape([this.numHeads * this.valueDim, outDim]));
    if (p.output.bias) out = out.add(p.output.bias.value);
    return [out.reshape([batch, tq, outDim]), weights];
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const query = (inputShape as readonly SymbolicShape[])[0];
    return [...query.slice(0, -1), this.outputShape ?? query[2]];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShape,
    };
  }

  private invoke(args: unknown[]): KerasTensor | Tensor | [Tensor, Tensor] {
    const [query, value, third, fourth] = args;
    const keyGiven = third instanceof Tensor || third instanceof KerasTensor;
    const key = keyGiven ? third : undefined;
    const options = ((keyGiven ? fourth : (third ?? fourth)) ?? {}) as MultiHeadAttentionCallOptions;
    if (query instanceof KerasTensor) {
      return this.apply([query, value, ...(key ? [key] : [])] as KerasTensor[]);
    }
    if (!(query instanceof Tensor) || !(value instanceof Tensor)) {
      throw new Error(
        `${this.describe()}: call it as mha(query, value, key?, options) with tensors [batch, time, dim]`,
      );
    }
    const tensors = [query, value, ...(key ? [key as Tensor] : [])];
    if (options.returnAttentionScores) return this.callWithScores(tensors, options);
    return this.apply(tensors, options);
  }

  private projection(name: string, kernelShape: number[], biasShape: number[]): Projection {
    return {
      kernel: this.addWeight(`${name}/kernel`, kernelShape, { initializer: "glorot_uniform" }),
      bias: this.useBias ? this.addWeight(`${name}/bias`, biasShape, { initializer: "zeros" }) : null,
    };
  }

  /** x [batch, T, dim] projected to [batch, numHeads, T, size]. */
  private heads(x: Tensor, p: Projection, size: number): Tensor {
    const [batch, time, dim] = x.shape;
    let y = x.reshape([batch * time, dim]).matmul(p.kernel.value.reshape([dim, this.numHeads * size]));
    if (p.bias) y = y.add(p.bias.value.reshape([this.numHeads * size]));
    return y.reshape([batch, time, this.numHeads, size]).transpose([0, 2, 1, 3]);
  }
}

registerLayer("MultiHeadAttention", (c) => new MultiHeadAttention(c as unknown as MultiHeadAttentionOptions));
