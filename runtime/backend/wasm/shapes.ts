/**
 * Shape arithmetic that maps broadcasts and reductions onto the kernels'
 * fixed loop forms: adjacent dimensions that are laid out alike are merged.
 */
import { stridesOf, type Shape } from "../backend";

/** A broadcast binary op as dims [n0, ..., nk] with each operand's element strides, size-1 dims dropped. */
export interface Collapsed {
  dims: number[];
  strides: number[][];
}

/** Merges output dims where every operand steps contiguously across the boundary (or not at all). */
export function collapseBroadcast(outShape: Shape, operandStrides: readonly (readonly number[])[]): Collapsed {
  const dims: number[] = [];
  const strides: number[][] = operandStrides.map(() => []);
  for (let d = 0; d < outShape.length; d++) {
    const n = outShape[d];
    if (n === 1) continue;
    const last = dims.length - 1;
    const mergeable = last >= 0 && operandStrides.every((s, o) => strides[o][last] === s[d] * n);
    if (mergeable) {
      dims[last] *= n;
      operandStrides.forEach((s, o) => (strides[o][last] = s[d]));
    } else {
      dims.push(n);
      operandStrides.forEach((s, o) => strides[o].push(s[d]));
    }
  }
  return { dims, strides };
}

/** Maximal runs of axes that are all reduced or all kept, as [outer..., r, inner...] blocks. */
export interface ReduceBlock {
  outer: number;
  r: number;
  inner: number;
}

/**
 * The reduction of `shape` over `axes` as a sequence of middle-axis
 * reductions, innermost block first; each step's output shape is the input
 * for the next.
 */
export function reduceSteps(shape: Shape, axes: readonly number[]): ReduceBlock[] {
  const reduced = shape.map((_, d) => axes.includes(d));
  const steps: ReduceBlock[] = [];
  const dims = [...shape];
  let d = dims.length - 1;
  while (d >= 0) {
    if (!reduced[d]) {
      d--;
      continue;
    }
    let start = d;
    while (start > 0 && reduced[start - 1]) start--;
    const prod = (from: number, to: number): number => dims.slice(from, to).reduce((p, n) => p * n, 1);
    steps.push({ outer: prod(0, start), r: prod(start, d + 1), inner: prod(d + 1, dims.length) });
    dims.splice(start, d + 1 - start);
    reduced.splice(start, d + 1 - start);
    d = start - 1;
  }
  return steps;
}

/**
 * A strided view of `shape` (element strides `strides` from `offset`) as blocks of four dims, for the
 * movement kernels that take four: collapsed to as few dims as the layout allows, padded with size-1 dims,
 * and any further outer dims looped here. `each` gets, per block, the view's offset of the block's first
 * element, the block's offset in a contiguous array of `shape`, and the block's four strides and sizes.
 */
export function forEachStridedBlock(
  shape: Shape,
  strides: readonly number[],
  offset: number,
  each: (at: number, contiguousAt: number, innerStrides: number[], inner: number[]) => void,
): void {
  const { dims, strides: collapsed } = collapseBroadcast(shape, [strides, stridesOf(shape)]);
  const [s] = collapsed;
  while (dims.length < 4) {
    dims.unshift(1);
    s.unshift(0);
  }
  const outer = dims.length - 4;
  const inner = dims.slice(outer);
  const innerStrides = s.slice(outer);
  const block = inner[0] * inner[1] * inner[2] * inner[3];
  const idx = new Array<number>(outer).fill(0);
  const blocks = dims.slice(0, outer).reduce((p, n) => p * n, 1);
  for (let i = 0; i < blocks; i++) {
    let at = offset;
    for (let d = 0; d < outer; d++) at += idx[d] * s[d];
    each(at, i * block, innerStrides, inner);
    for (let d = outer - 1; d >= 0 && ++idx[d] === dims[d]; d--) idx[d] = 0;
  }
}
