/**
 * Layer normalization over the last axis (LayerNormalization's maths):
 * c = x - mean(x), y = c / sqrt(mean(c^2) + eps) * gamma + beta. Where the
 * backend has the fused kernels (Backend.layerNorm, layerNormBackward) it is
 * one pass a row forward and one backward, recorded as one node; the values and
 * every gradient are the composed ops' float32 results bit for bit (the kernels
 * repeat their operations in their order, and the input's gradient comes in the
 * composed graph's two parts, which autograd adds in the same turn).
 */
import { isGradEnabled, record } from "../autograd";
import { currentBackend } from "../backend/registry";
import { compute, fromHandle, type Tensor } from "../tensor/core";
import { add, div, mul, neg, sqrt, square, sub } from "./math";
import { unbroadcast } from "./operands";
import { mean, sum } from "./reduce";
import { broadcastTo } from "./shape";

/**
 * Whether a fused row kernel gives the composed ops' bits for `rows` rows of `size` values in all:
 * the composed ops' reductions over a few long rows may be split across threads (which changes
 * their rounding), while the kernels sum each row on one thread, so those inputs stay composed.
 */
export function rowKernelFits(rows: number, size: number): boolean {
  return rows >= 64 || size < 1 << 17;
}

/** x normalized over its last axis, times gamma plus beta ([last dim] each, or null). */
export function layerNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number): Tensor {
  const be = currentBackend();
  const dim = x.rank > 0 ? x.shape[x.rank - 1] : 0;
  const rows = dim > 0 ? x.size / dim : 0;
  const fits = (t: Tensor | null): boolean => t === null || (t.dtype === "float32" && t.rank === 1 && t.size === dim);
  const fused =
    be.layerNorm !== undefined &&
    be.layerNormBackward !== undefined &&
    x.dtype === "float32" &&
    rows > 0 &&
    fits(gamma) &&
    fits(beta) &&
    rowKernelFits(rows, x.size);
  if (!fused) return composedLayerNorm(x, gamma, beta, epsilon);
  let saved: { centered: Tensor; normalized: Tensor; std: Tensor } | undefined;
  const y = compute("layerNorm", x.shape, "float32", () => {
    const r = be.layerNorm!(x.dataOn(be), gamma?.dataOn(be) ?? null, beta?.dataOn(be) ?? null, rows, dim, epsilon);
    saved = {
      centered: fromHandle(be, r.centered, x.shape, "float32"),
      normalized: fromHandle(be, r.normalized, x.shape, "float32"),
      std: fromHandle(be, r.std, [...x.shape.slice(0, -1), 1], "float32"),
    };
    return r.y;
  });
  const { centered, normalized, std } = saved!;
  if (gamma === null && beta === null) {
    normalized.dispose();
    return record("layerNorm", y, [x, x], (dy) => inputGrads(dy, null), [centered, std]);
  }
  // x twice: its gradient's two parts (through the centering and through the mean), added in turn.
  const inputs = [x, x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  return record(
    "layerNorm",
    y,
    inputs,
    (dy) => [
      ...inputGrads(dy, gamma),
      ...(gamma ? [gamma.requiresGrad ? unbroadcast(mul(dy, normalized), gamma.shape) : null] : []),
      ...(beta ? [beta.requiresGrad ? unbroadcast(dy, beta.shape) : null] : []),
    ],
    [centered, normalized, std],
  );

  function inputGrads(dy: Tensor, g: Tensor | null): (Tensor | null)[] {
    if (!x.requiresGrad) return [null, null];
    if (isGradEnabled())
      return composedInputGrads(dy, g, centered, gamma === null && beta === null ? y : normalized, std);
    let dSum: Tensor | undefined;
    const dCentered = compute("layerNorm backward", x.shape, "float32", () => {
      const r = be.layerNormBackward!(
        dy.dataOn(be),
        g?.dataOn(be) ?? null,
        centered.dataOn(be),
        (gamma === null && beta === null ? y : normalized).dataOn(be),
        std.dataOn(be),
        rows,
        dim,
      );
      dSum = fromHandle(be, r.dSum, std.shape, "float32");
      return r.dCentered;
    });
    return [dCentered, broadcastTo(dSum!, x.shape)];
  }
}

/** LayerNormalization's forward as composed ops (each records its own gradient). */
function composedLayerNorm(x: Tensor, gamma: Tensor | null, beta: Tensor | null, epsilon: number): Tensor {
  const centered = sub(x, mean(x, -1, true));
  let y = div(centered, sqrt(add(mean(square(centered), -1, true), epsilon)));
  if (gamma) y = mul(y, gamma);
  if (beta) y = add(y, beta);
  return y;
}

/**
 * The input gradient's two parts as the composed graph's nodes give them, as recorded ops (for a
 * gradient taken through the gradient): the centered values' and the row sum's, broadcast.
 */
function composedInputGrads(
  dy: Tensor,
  gamma: Tensor | null,
  centered: Tensor,
  normalized: Tensor,
  std: Tensor,
): Tensor[] {
  const count = centered.shape[centered.rank - 1];
  const dy0 = gamma ? mul(dy, gamma) : dy;
  const dStd = sum(neg(mul(dy0, div(normalized, std))), -1, true);
  const dSquares = div(div(dStd, mul(std, 2)), count);
  const dCentered = add(div(dy0, std), mul(broadcastTo(dSquares, centered.shape), mul(centered, 2)));
  const dSum = div(sum(neg(dCentered), -1, true), count);
  return [dCentered, broadcastTo(dSum, centered.shape)];
}
