/**
 * Reductions over any set of axes (all of them by default), with `keepDims`
 * keeping reduced axes as size 1, and their gradients.
 */
import { currentBackend } from "../backend/registry";
import type { ReduceOp } from "../backend/backend";
import { noGrad, record } from "../autograd";
import { compute, type Tensor, type TensorLike } from "../tensor/core";
import { add, div, eq, exp, log, mul, sqrt, square, sub } from "./math";
import { normalizeAxes, normalizeAxis, toFloat } from "./operands";
import { broadcastTo } from "./shape";

export type Axes = number | readonly number[];

export function sum(x: TensorLike, axes?: Axes, keepDims = false): Tensor {
  const input = toFloat(x);
  const { out, keptShape } = reduceRaw("sum", "sum", input, axes, keepDims);
  return record("sum", out, [input], (dy) => [broadcastTo(dy.view(keptShape), input.shape)]);
}

/** The arithmetic mean (NaN over an empty set, as NumPy). */
export function mean(x: TensorLike, axes?: Axes, keepDims = false): Tensor {
  const input = toFloat(x);
  const list = normalizeAxes("mean", axes, input.rank);
  const count = list.reduce((acc, a) => acc * input.shape[a], 1);
  return div(sum(input, list, keepDims), count);
}

/** The maximum; the gradient is shared evenly among tied maxima. */
export function max(x: TensorLike, axes?: Axes, keepDims = false): Tensor {
  return extremum("max", x, axes, keepDims);
}

/** The minimum; the gradient is shared evenly among tied minima. */
export function min(x: TensorLike, axes?: Axes, keepDims = false): Tensor {
  return extremum("min", x, axes, keepDims);
}

/** The product. Its gradient, out / x, is undefined where an element is 0. */
export function prod(x: TensorLike, axes?: Axes, keepDims = false): Tensor {
  const input = toFloat(x);
  const { out, keptShape } = reduceRaw("prod", "prod", input, axes, keepDims);
  return record("prod", out, [input], (dy) => [
    div(mul(broadcastTo(dy.view(keptShape), input.shape), broadcastTo(out.view(keptShape), input.shape)), input),
  ]);
}

/** Index of the largest value along `axis` (int32; the first on ties). */
export function argmax(x: TensorLike, axis = -1): Tensor {
  return argReduce("argmax", x, axis);
}

/** Index of the smallest value along `axis` (int32; the first on ties). */
export function argmin(x: TensorLike, axis = -1): Tensor {
  return argReduce("argmin", x, axis);
}

/** log(sum(exp(x))) computed without overflow. */
export function logSumExp(x: TensorLike, axes?: Axes, keepDims = false): Tensor {
  const input = toFloat(x);
  const list = normalizeAxes("logSumExp", axes, input.rank);
  const shift = noGrad(() => max(input, list, true));
  const total = sum(exp(sub(input, shift)), list, true);
  const out = add(log(total), shift);
  return keepDims ? out : out.reshape(out.shape.filter((_, i) => !list.includes(i)));
}

/** The (population) variance, mean of squared deviations from the mean. */
export function variance(x: TensorLike, axes?: Axes, keepDims = false): Tensor {
  const input = toFloat(x);
  return mean(square(sub(input, mean(input, axes, true))), axes, keepDims);
}

/** The (population) standard deviation. */
export function std(x: TensorLike, axes?: Axes, keepDims = false): Tensor {
  return sqrt(variance(x, axes, keepDims));
}

function extremum(op: "max" | "min", x: TensorLike, axes: Axes | undefined, keepDims: boolean): Tensor {
  const input = toFloat(x);
  const { out, keptShape } = reduceRaw(op, op, input, axes, keepDims);
  return record(op, out, [input], (dy) => {
    const hit = eq(input, broadcastTo(out.view(keptShape), input.shape));
    const ties = broadcastTo(sum(hit, reducedAxes(keptShape, input.shape), true), input.shape);
    return [div(mul(hit, broadcastTo(dy.view(keptShape), input.shape)), ties)];
  });
}

function argReduce(op: "argmax" | "argmin", x: TensorLike, axis: number): Tensor {
  const input = toFloat(x);
  const ax = normalizeAxis(op, axis, input.rank);
  if (input.shape[ax] === 0) {
    throw new Error(
      `${op}: axis ${axis} of ${input.shapeString()} is empty; there is no ${op === "argmax" ? "largest" : "smallest"} element`,
    );
  }
  const be = currentBackend();
  const shape = input.shape.filter((_, i) => i !== ax);
  return compute(op, shape, "int32", () => be.argReduce(op, input.dataOn(be), input.shape, ax));
}

/** The reduction itself, plus the keepDims shape that gradients broadcast from. */
function reduceRaw(
  name: string,
  op: ReduceOp,
  input: Tensor,
  axes: Axes | undefined,
  keepDims: boolean,
): { out: Tensor; keptShape: number[] } {
  const list = normalizeAxes(name, axes, input.rank);
  const keptShape = input.shape.map((d, i) => (list.includes(i) ? 1 : d));
  const outShape = keepDims ? keptShape : input.shape.filter((_, i) => !list.includes(i));
  if (list.length === 0) return { out: input.view(outShape), keptShape };
  const be = currentBackend();
  const out = compute(name, outShape, "float32", () => be.reduce(op, input.dataOn(be), input.shape, list));
  return { out, keptShape };
}

function reducedAxes(keptShape: readonly number[], shape: readonly number[]): number[] {
  return shape.flatMap((d, i) => (keptShape[i] === 1 && d !== 1 ? [i] : []));
}
