/**
 * Reductions over any set of axes and arg-reductions over one axis. A thread
 * computes one output element: it finds the base offset of its group from
 * the kept coordinates, then walks the reduced axes in nested loops with
 * literal bounds (one loop per reduced axis, innermost last, so memory is
 * read in order when the reduced axes are trailing).
 */
import { sizeOf, stridesOf, type ReduceOp, type Shape } from "../backend";
import { floatLiteral, kernel, linear, offsetOf, unravel, type KernelSpec } from "./source";

/**
 * Reduces `x` of `shape` over `axes` (sorted, distinct) by `op`. The reduced
 * axes must hold at least one element (an empty reduction is its identity,
 * REDUCE_IDENTITY, which the backend fills without a kernel).
 */
export function reduceSpec(op: ReduceOp, shape: Shape, axes: readonly number[]): KernelSpec {
  const { kept, base } = keptBase(shape, axes);
  const strides = stridesOf(shape);
  const loops: string[] = [];
  const terms: [string, number][] = [["base", 1]];
  axes.forEach((axis, j) => {
    if (shape[axis] === 1) return;
    loops.push(`for (let r${j} = 0; r${j} < ${shape[axis]}; r${j}++) {`);
    terms.push([`r${j}`, strides[axis]]);
  });
  const body = [
    ...base,
    `let acc = ${START[op]};`,
    ...loops,
    `const v = x[${linear(terms)}];`,
    ACCUMULATE[op],
    ...loops.map(() => "}"),
    "return acc;",
  ];
  return { source: kernel(["x"], body), outSize: sizeOf(kept) };
}

/**
 * Index of the largest ("argmax") or smallest ("argmin") element along
 * `axis`; ties keep the first index, and the first NaN wins and stays.
 */
export function argReduceSpec(op: "argmax" | "argmin", shape: Shape, axis: number): KernelSpec {
  const { kept, base } = keptBase(shape, [axis]);
  const stride = stridesOf(shape)[axis];
  const better = op === "argmax" ? "v > bestValue" : "v < bestValue";
  const body = [
    ...base,
    "let best = 0;",
    "let bestValue = x[base];",
    `for (let j = 1; j < ${shape[axis]}; j++) {`,
    `  const v = x[${linear([
      ["base", 1],
      ["j", stride],
    ])}];`,
    `  if (bestValue === bestValue && (${better} || v !== v)) {`,
    "    best = j;",
    "    bestValue = v;",
    "  }",
    "}",
    "return best;",
  ];
  return { source: kernel(["x"], body), outSize: sizeOf(kept) };
}

/** The kept shape and statements defining `base`, the offset of this thread's group. */
function keptBase(shape: Shape, axes: readonly number[]): { kept: number[]; base: string[] } {
  const strides = stridesOf(shape);
  const keptAxes = shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const kept = keptAxes.map((d) => shape[d]);
  const base = [
    ...unravel("this.thread.x", kept, "k"),
    `const base = ${offsetOf(
      "k",
      keptAxes.map((d) => strides[d]),
    )};`,
  ];
  return { kept, base };
}

/** What an empty reduction gives. */
export const REDUCE_IDENTITY: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

/**
 * The accumulator's start: the identity for sum and prod; the group's first
 * element for max and min (comparing it with itself again changes nothing),
 * since WGSL rejects an infinite constant in a shader.
 */
const START: Record<ReduceOp, string> = {
  sum: floatLiteral(0),
  prod: floatLiteral(1),
  max: "x[base]",
  min: "x[base]",
};

/** NaN wins max and min, as in the reference: once `acc` is NaN no comparison replaces it. */
const ACCUMULATE: Record<ReduceOp, string> = {
  sum: "acc += v;",
  prod: "acc *= v;",
  max: "if (v > acc || v !== v) { acc = v; }",
  min: "if (v < acc || v !== v) { acc = v; }",
};
