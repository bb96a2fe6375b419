/**
 * What the attention layers share: turning raw scores [..., queries, keys]
 * into weights with masks (padding, causal, explicit) and a softmax over the
 * keys, and the weighted sum of the values.
 */
import type { Tensor } from "../../tensor";
import { tensor } from "../../ops/creation";
import { dropout } from "../../ops/dropout";
import { matmul } from "../../ops/linalg";
import { keep } from "../../memory";

/** Added to the score of a masked key: its softmax weight becomes 0 (exactly, in float32). */
const MASKED = -1e9;

export interface AttendOptions {
  /** [batch, keys]: 1 for real keys, 0 for padding. */
  keyMask?: Tensor | null;
  /** [batch, queries, keys] (or broadcastable): 1 where a query may attend to a key. */
  attentionMask?: Tensor | null;
  /** Query i attends only to keys j <= i. */
  causal?: boolean;
  /** Dropout on the weights, in training. */
  dropout?: number;
  training?: boolean;
}

/** softmax(scores + masks) · value; scores [batch, (heads,) queries, keys], value [batch, (heads,) keys, dim]. Returns [output, weights]. */
export function attend(scores: Tensor, value: Tensor, options: AttendOptions): [Tensor, Tensor] {
  const rank = scores.rank;
  const [queries, keys] = scores.shape.slice(-2);
  let allowed: Tensor | null = null;
  const combine = (m: Tensor) => (allowed = allowed ? allowed.mul(m) : m);
  if (options.keyMask)
    combine(options.keyMask.reshape([options.keyMask.shape[0], ...new Array<number>(rank - 2).fill(1), keys]));
  if (options.attentionMask) {
    const m = options.attentionMask;
    combine(rank === 4 && m.rank === 3 ? m.expandDims(1) : m);
  }
  if (options.causal) combine(causalMask(queries, keys));
  const masked = allowed ? scores.add((allowed as Tensor).sub(1).mul(-MASKED)) : scores;
  const weights = masked.softmax(-1);
  const dropped = options.dropout
    ? dropout(weights, options.dropout, { training: options.training ?? false })
    : weights;
  return [matmul(dropped, value), weights];
}

/**
 * The weights to store as a layer's `lastAttentionScores`: a graph-free view kept out of tidy scopes,
 * so they stay readable after `model.predict`; the view stored before is freed. The caller's own
 * `weights` tensor is left to its scope.
 */
export function keptScores(previous: Tensor | null, weights: Tensor): Tensor {
  previous?.dispose();
  return keep(weights.detach());
}

/** [queries, keys] lower-triangular ones: query i sees keys 0..i (aligned at the end when keys > queries). */
function causalMask(queries: number, keys: number): Tensor {
  const values = new Float32Array(queries * keys);
  const offset = keys - queries;
  for (let i = 0; i < queries; i++) for (let j = 0; j <= Math.min(keys - 1, i + offset); j++) values[i * keys + j] = 1;
  return tensor(values, [queries, keys]);
}
