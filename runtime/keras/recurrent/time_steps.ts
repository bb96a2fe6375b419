/**
 * Splitting a sequence into its time steps and watching the gradient that
 * reaches each step's state, both as autograd ops.
 *
 * Slicing step t out of a [time, ...] tensor with `slice` costs a full-size
 * gradient per step in backward (quadratic in the sequence length); here the
 * steps share one hub node that assembles their gradients once.
 */
import { isGradEnabled, noGrad, record } from "../../autograd";
import type { Tensor } from "../../tensor";
import { zeros } from "../../ops/creation";
import { concat, split } from "../../ops/shape";

/** The slices x[0], x[1], ... along the first axis (each without that axis), with a linear-cost gradient. */
export function unstack(x: Tensor): Tensor[] {
  const steps = x.shape[0];
  const rest = x.shape.slice(1);
  const pieces = noGrad(() => split(x, steps, 0).map((p) => p.reshape(rest)));
  if (!isGradEnabled() || !x.requiresGrad) return pieces;
  const grads: (Tensor | null)[] = new Array<Tensor | null>(steps).fill(null);
  // Reverse topological order runs every step's backward before the hub's, so the hub sees all of them.
  const hub = record("unstack", x.view(x.shape), [x], () => {
    const parts = grads.map((g) => (g ?? zeros(rest)).reshape([1, ...rest]));
    grads.fill(null);
    return [concat(parts, 0)];
  });
  // Each step hands its gradient to the hub through `grads`; the token it returns only tells the hub it was reached.
  return pieces.map((piece, t) =>
    record("unstack step", piece, [hub], (dy) => {
      grads[t] = grads[t] ? grads[t].add(dy) : dy;
      return [zeros([])];
    }),
  );
}

/** `h` unchanged; in backward, `sink` receives the total gradient of the loss with respect to h. */
export function watchGradient(h: Tensor, sink: (grad: Tensor) => void): Tensor {
  if (!isGradEnabled() || !h.requiresGrad) return h;
  return record("watch", h.view(h.shape), [h], (dy) => {
    sink(dy);
    return [dy];
  });
}
