/**
 * Movement kernels: strided views, padding, concatenation, gather and its
 * adjoint scatterAdd. All of them copy or sum whole elements, so they serve
 * int32 data (held as float32) as well as float32.
 */
import { sizeOf, stridesOf, type Shape, type View } from "../backend";
import { isContiguous, kernel, linear, offsetOf, unravel, type KernelSpec } from "./source";

/** Most tensors one concat kernel reads; longer lists are joined in rounds (GL targets limit bound textures). */
export const CONCAT_MAX_INPUTS = 8;

/**
 * Reads the strided view `v` into contiguous storage. A contiguous view (a
 * slice of leading rows, say) reads x[this.thread.x + offset], which gpu.js
 * keeps exact at any size (see KernelSpec.indexBound).
 */
export function stridedSpec(v: View): KernelSpec {
  if (isContiguous(v.shape, v.strides)) {
    return {
      source: kernel(["x"], [`return x[${linear([["this.thread.x", 1]], v.offset)}];`]),
      outSize: sizeOf(v.shape),
      indexBound: 0,
    };
  }
  const body = [...unravel("this.thread.x", v.shape, "o"), `return x[${offsetOf("o", v.strides, v.offset)}];`];
  return { source: kernel(["x"], body), outSize: sizeOf(v.shape) };
}

/**
 * Pads x of `shape` by `before`/`after` elements per dimension with the value in `v` (a one-element
 * argument, not a literal: WGSL rejects a NaN or infinite constant, and one kernel serves every value).
 */
export function padSpec(shape: Shape, before: readonly number[], after: readonly number[]): KernelSpec {
  const outShape = shape.map((d, i) => d + before[i] + after[i]);
  const body = [...unravel("this.thread.x", outShape, "o")];
  const strides = stridesOf(shape);
  const terms: [string, number][] = [];
  shape.forEach((d, i) => {
    if (before[i] !== 0 || after[i] !== 0) {
      body.push(`if (o${i} < ${before[i]} || o${i} >= ${before[i] + d}) {`, "  return v[0];", "}");
    }
    if (d !== 1) terms.push([before[i] === 0 ? `o${i}` : `(o${i} - ${before[i]})`, strides[i]]);
  });
  body.push(`return x[${linear(terms)}];`);
  return { source: kernel(["x", "v"], body), outSize: sizeOf(outShape) };
}

/**
 * Joins up to CONCAT_MAX_INPUTS tensors of `shapes` along `axis`; the
 * kernel's parameters are x0, x1, ... in order.
 */
export function concatSpec(shapes: readonly Shape[], axis: number): KernelSpec {
  const outShape = [...shapes[0]];
  outShape[axis] = shapes.reduce((acc, s) => acc + s[axis], 0);
  const body = [...unravel("this.thread.x", outShape, "o")];
  let start = 0;
  shapes.forEach((shape, i) => {
    const strides = stridesOf(shape);
    const terms = shape.map((_, dim): [string, number] => {
      const coordinate = dim === axis && start !== 0 ? `(o${dim} - ${start})` : `o${dim}`;
      return [coordinate, shape[dim] === 1 && dim !== axis ? 0 : strides[dim]];
    });
    const index = linear(terms);
    start += shape[axis];
    if (i === shapes.length - 1) body.push(`return x${i}[${index}];`);
    else body.push(`if (o${axis} < ${start}) {`, `  return x${i}[${index}];`, "}");
  });
  return {
    source: kernel(
      shapes.map((_, i) => `x${i}`),
      body,
    ),
    outSize: sizeOf(outShape),
  };
}

/**
 * x taken at `count` indices along `axis`; an index outside the axis reads 0.
 * With `asMatrix`, x is read as rows of `inner` elements, which keeps
 * gathering rows of a large data set (a training batch) exactly addressable.
 */
export function gatherSpec(shape: Shape, count: number, axis: number, asMatrix: boolean): KernelSpec {
  const { outer, axisSize, inner } = splitAtAxis(shape, axis);
  const read = asMatrix
    ? `x[${linear([
        ["o0", axisSize],
        ["idx", 1],
      ])}][o2]`
    : `x[${linear([
        ["o0", axisSize * inner],
        ["idx", inner],
        ["o2", 1],
      ])}]`;
  const body = [
    ...unravel("this.thread.x", [outer, count, inner], "o"),
    "const idx = indices[o1];",
    `if (idx < 0 || idx >= ${axisSize}) {`,
    "  return 0.0;",
    "}",
    `return ${read};`,
  ];
  const outSize = outer * count * inner;
  return asMatrix
    ? {
        source: kernel(["x", "indices"], body),
        outSize,
        indexBound: Math.max(outSize, outer * axisSize, count),
        matrices: { 0: inner },
      }
    : { source: kernel(["x", "indices"], body), outSize };
}

/**
 * The adjoint of gather: each output element sums the updates whose index
 * names its position on `axis` (a gpu.js thread cannot add into another
 * thread's element, so this walks all `count` indices per element).
 */
export function scatterAddSpec(shape: Shape, count: number, axis: number): KernelSpec {
  const { outer, axisSize, inner } = splitAtAxis(shape, axis);
  const body = [
    ...unravel("this.thread.x", [outer, axisSize, inner], "o"),
    "let acc = 0.0;",
    `for (let j = 0; j < ${count}; j++) {`,
    "  if (indices[j] === o1) {",
    `    acc += updates[${linear([
      ["o0", count * inner],
      ["j", inner],
      ["o2", 1],
    ])}];`,
    "  }",
    "}",
    "return acc;",
  ];
  return { source: kernel(["updates", "indices"], body), outSize: sizeOf(shape) };
}

function splitAtAxis(shape: Shape, axis: number): { outer: number; axisSize: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), axisSize: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}
