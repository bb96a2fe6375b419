/**
 * The logits behind a softmax or sigmoid activation's output, remembered as
 * Keras remembers them (`output._keras_logits`): a crossentropy loss given
 * such an output computes from the logits, exactly, instead of taking the log
 * of probabilities clipped to [1e-7, 1 - 1e-7]. The clip would otherwise cap
 * the loss of a confidently wrong example and zero its gradient.
 */
import type { Tensor } from "../tensor";

export type SquashKind = "softmax" | "sigmoid";

const cache = new WeakMap<Tensor, { kind: SquashKind; logits: Tensor }>();

/** Records that `output` is `kind(logits)`; returns `output`. */
export function rememberLogits(output: Tensor, kind: SquashKind, logits: Tensor): Tensor {
  cache.set(output, { kind, logits });
  return output;
}

/** The logits `output` was computed from by `kind`, or null (unknown, or already freed by tidy). */
export function logitsBehind(output: Tensor, kind: SquashKind): Tensor | null {
  const entry = cache.get(output);
  return entry && entry.kind === kind && !entry.logits.isDisposed ? entry.logits : null;
}
