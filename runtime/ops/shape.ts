/**
 * Shape and movement ops: reshape, transpose, broadcast, slicing, joining,
 * padding, gathering, one-hot. Reshapes are free (they share storage); the
 * rest read a strided view or call pad/concat/gather, and each gradient is
 * the adjoint movement.
 */
import { currentBackend } from "../backend/registry";
import { shapeString, sizeOf, stridesOf, broadcastStrides, type Shape } from "../backend/backend";
import { record } from "../autograd";
import { compute, Tensor, fromValues, sameShape, type TensorLike } from "../tensor/core";
import { cast, eq } from "./math";
import { arange, checkShape } from "./creation";
import { broadcastShapes, normalizeAxis, toTensor, unbroadcast } from "./operands";

/** The same values in a new shape; one dimension may be -1 (inferred). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(x, shape);
  const out = x.view(target);
  return record("reshape", out, [x], (dy) => [dy.view(x.shape)]);
}

/** Permutes the axes (reverses them by default, as NumPy). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const order = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  const sorted = [...order].map((a) => normalizeAxis("transpose", a, x.rank)).sort((a, b) => a - b);
  if (order.length !== x.rank || sorted.some((a, i) => a !== i)) {
    throw new Error(`transpose: [${order.join(",")}] is not a permutation of the ${x.rank} axes of ${x.shapeString()}`);
  }
  const axes = order.map((a) => normalizeAxis("transpose", a, x.rank));
  const strides = stridesOf(x.shape);
  const out = view(
    "transpose",
    x,
    axes.map((a) => x.shape[a]),
    axes.map((a) => strides[a]),
    0,
  );
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => (inverse[a] = i));
  return record("transpose", out, [x], (dy) => [transpose(dy, inverse)]);
}

/** Same as `transpose` with an explicit order (PyTorch's name). */
export const permute = (x: Tensor, perm: readonly number[]): Tensor => transpose(x, perm);

/** Drops size-1 axes (all of them, or the listed ones). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const list =
    axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : typeof axes === "number" ? [axes] : axes;
  const drop = list.map((a) => normalizeAxis("squeeze", a, x.rank));
  for (const a of drop) {
    if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of ${x.shapeString()} has size ${x.shape[a]}, not 1`);
  }
  return reshape(
    x,
    x.shape.filter((_, i) => !drop.includes(i)),
  );
}

/** Inserts a size-1 axis at `axis` (negative counts from the end of the result). */
export function expandDims(x: Tensor, axis: number): Tensor {
  const at = normalizeAxis("expandDims", axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(at, 0, 1);
  return reshape(x, shape);
}

/** x broadcast to `shape` (NumPy rules). The gradient sums over the broadcast axes. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  checkShape("broadcastTo", shape);
  const joined = broadcastShapes("broadcastTo", x.shape, shape);
  if (joined.length !== shape.length || joined.some((d, i) => d !== shape[i])) {
    throw new Error(`broadcastTo: ${x.shapeString()} cannot be broadcast to ${shapeString(shape)}`);
  }
  if (sameShape(x.shape, shape)) return x;
  const out = view("broadcastTo", x, shape, broadcastStrides(x.shape, shape), 0);
  return record("broadcastTo", out, [x], (dy) => [unbroadcast(dy, x.shape)]);
}

/**
 * The block starting at `begin` with `size` (TensorFlow's tf.slice); a size
 * of -1 (or a missing size) takes the rest of that axis.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length > x.rank || (size && size.length !== begin.length)) {
    throw new Error(
      `slice: begin [${begin.join(",")}]${size ? ` and size [${size.join(",")}]` : ""} do not fit ${x.shapeString()}`,
    );
  }
  const starts = x.shape.map((_, i) => begin[i] ?? 0);
  const counts = x.shape.map((d, i) => {
    const s = size?.[i] ?? -1;
    return s === -1 ? d - starts[i] : s;
  });
  starts.forEach((s, i) => {
    if (!Number.isInteger(s) || !Number.isInteger(counts[i]) || s < 0 || counts[i] < 0 || s + counts[i] > x.shape[i]) {
      throw new Error(
        `slice: axis ${i}: begin ${s} size ${counts[i]} is outside [0, ${x.shape[i]}) of ${x.shapeString()}`,
      );
    }
  });
  return stridedWindow(
    "slice",
    x,
    starts,
    counts,
    starts.map(() => 1),
  );
}

/**
 * Python-style slicing per axis: `[start, stop, step]` with negative indices
 * counted from the end and missing values meaning the whole axis
 * (`stridedSlice(x, [0, 1], [undefined, undefined], [2, 1])`). Steps are positive.
 */
export function stridedSlice(
  x: Tensor,
  begin: readonly (number | undefined)[],
  end: readonly (number | undefined)[],
  steps: readonly (number | undefined)[] = [],
): Tensor {
  const starts: number[] = [];
  const counts: number[] = [];
  const stepList: number[] = [];
  x.shape.forEach((d, i) => {
    const step = steps[i] ?? 1;
    if (!Number.isInteger(step) || step <= 0)
      throw new Error(`stridedSlice: step ${step} on axis ${i} must be a positive integer`);
    const start = clampIndex(begin[i] ?? 0, d);
    const stop = clampIndex(end[i] ?? d, d);
    starts.push(start);
    counts.push(Math.max(0, Math.ceil((stop - start) / step)));
    stepList.push(step);
  });
  return stridedWindow("stridedSlice", x, starts, counts, stepList);
}

/** Element `index` along `axis`, with that axis removed (negative index counts from the end). */
export function select(x: Tensor, axis: number, index: number): Tensor {
  const ax = normalizeAxis("select", axis, x.rank);
  const d = x.shape[ax];
  if (!Number.isInteger(index) || index < -d || index >= d) {
    throw new Error(`select: index ${index} is out of range for axis ${axis} of size ${d} in ${x.shapeString()}`);
  }
  const begin = x.shape.map((_, i) => (i === ax ? (index + d) % d : 0));
  const size = x.shape.map((dim, i) => (i === ax ? 1 : dim));
  return reshape(
    slice(x, begin, size),
    x.shape.filter((_, i) => i !== ax),
  );
}

/** Joins tensors along an existing axis; all other dimensions must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error("concat: needs at least one tensor");
  const first = tensors[0];
  const ax = normalizeAxis("concat", axis, first.rank);
  tensors.forEach((t, k) => {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i]) || t.dtype !== first.dtype) {
      throw new Error(
        `concat: tensor ${k} is ${t.shapeString()} ${t.dtype} but tensor 0 is ${first.shapeString()} ${first.dtype}: ` +
          `all dimensions except axis ${ax} and the dtype must match`,
      );
    }
  });
  const shape = [...first.shape];
  shape[ax] = tensors.reduce((acc, t) => acc + t.shape[ax], 0);
  const be = currentBackend();
  const out = compute("concat", shape, first.dtype, () =>
    be.concat(
      tensors.map((t) => ({ data: t.dataOn(be), shape: t.shape })),
      ax,
      first.dtype,
    ),
  );
  return record("concat", out, tensors, (dy) => {
    let offset = 0;
    return tensors.map((t) => {
      const begin = dy.shape.map((_, i) => (i === ax ? offset : 0));
      offset += t.shape[ax];
      return slice(dy, begin, t.shape);
    });
  });
}

/** Joins same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new Error("stack: needs at least one tensor");
  tensors.forEach((t, k) => {
    if (!sameShape(t.shape, tensors[0].shape)) {
      throw new Error(
        `stack: tensor ${k} is ${t.shapeString()} but tensor 0 is ${tensors[0].shapeString()}: all shapes must match`,
      );
    }
  });
  return concat(
    tensors.map((t) => expandDims(t, axis)),
    axis,
  );
}

/** Splits along `axis` into `sections` equal parts, or into parts of the listed sizes. */
export function split(x: Tensor, sections: number | readonly number[], axis = 0): Tensor[] {
  const ax = normalizeAxis("split", axis, x.rank);
  const d = x.shape[ax];
  let sizes: readonly number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections <= 0 || d % sections !== 0) {
      throw new Error(
        `split: axis ${axis} of ${x.shapeString()} (size ${d}) cannot be split into ${sections} equal parts`,
      );
    }
    sizes = new Array<number>(sections).fill(d / sections);
  } else {
    sizes = sections;
    if (sizes.reduce((a, b) => a + b, 0) !== d) {
      throw new Error(
        `split: sizes [${sizes.join(",")}] do not add up to ${d}, the size of axis ${axis} of ${x.shapeString()}`,
      );
    }
  }
  let offset = 0;
  return sizes.map((s) => {
    const begin = x.shape.map((_, i) => (i === ax ? offset : 0));
    const size = x.shape.map((dim, i) => (i === ax ? s : dim));
    offset += s;
    return slice(x, begin, size);
  });
}

/** Pads each axis with `paddings[i] = [before, after]` elements of `value` (constant padding). */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  if (
    paddings.length !== x.rank ||
    paddings.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0)
  ) {
    throw new Error(
      `pad: paddings ${JSON.stringify(paddings)} must give [before, after] >= 0 for each of the ${x.rank} axes of ${x.shapeString()}`,
    );
  }
  const input = x.dtype === "float32" ? x : cast(x, "float32");
  const before = paddings.map((p) => p[0]);
  const after = paddings.map((p) => p[1]);
  const shape = x.shape.map((d, i) => d + before[i] + after[i]);
  const be = currentBackend();
  const out = compute("pad", shape, "float32", () => be.pad(input.dataOn(be), input.shape, before, after, value));
  return record("pad", out, [input], (dy) => [slice(dy, before, input.shape)]);
}

/**
 * Rows of `x` picked by integer `indices` along `axis` (an embedding lookup
 * when x is [vocab, dim] and axis 0). The result's shape is x's with `axis`
 * replaced by the indices' shape. Indices must be in range.
 */
export function gather(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  const ax = normalizeAxis("gather", axis, x.rank);
  const idx =
    indices instanceof Tensor
      ? indices.dtype === "int32"
        ? indices
        : cast(indices, "int32")
      : fromValues(Int32Array.from(indices), [indices.length], "int32");
  checkIndices("gather", idx, x.shape[ax], `axis ${axis} of ${x.shapeString()}`);
  const count = idx.size;
  const flatShape = x.shape.map((d, i) => (i === ax ? count : d));
  const shape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
  const be = currentBackend();
  const flat = compute("gather", flatShape, x.dtype, () =>
    be.gather(x.dataOn(be), x.shape, x.dtype, idx.dataOn(be), count, ax),
  );
  const out = flat.view(shape);
  // The view holds the storage now; left to the collector, `flat` would keep it alive after `out` is disposed.
  flat.dispose();
  const result = record(
    "gather",
    out,
    [x],
    (dy) => [
      compute("gather (gradient)", x.shape, "float32", () =>
        be.scatterAdd(dy.dataOn(be), idx.dataOn(be), count, ax, x.shape),
      ),
    ],
    [idx],
  );
  // An index tensor made here serves only the gradient; with no graph recorded nothing else would free it promptly.
  if (idx !== indices && !result.requiresGrad) idx.dispose();
  return result;
}

/** One-hot float32 vectors: shape of `indices` plus a last axis of `depth`. Indices outside [0, depth) give all zeros. */
export function oneHot(indices: TensorLike | readonly number[], depth: number): Tensor {
  if (!Number.isInteger(depth) || depth <= 0) throw new Error(`oneHot: depth must be a positive integer, got ${depth}`);
  const idx = Array.isArray(indices)
    ? fromValues(Int32Array.from(indices as readonly number[]), [indices.length], "int32")
    : toTensor(indices as TensorLike);
  return eq(expandDims(idx, -1), arange(depth));
}

// ----- helpers -----

/** A strided view of x as a fresh tensor (no graph). */
function view(op: string, x: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const be = currentBackend();
  return compute(op, shape, x.dtype, () => be.strided(x.dataOn(be), x.dtype, { shape, strides, offset }));
}

/**
 * The window starts[i] + k * steps[i], k < counts[i], on every axis. Its
 * gradient is the output's padded with zeros for a contiguous window, else it
 * scatters back with one scatterAdd per axis that the window narrows.
 */
function stridedWindow(op: string, x: Tensor, starts: number[], counts: number[], steps: number[]): Tensor {
  if (starts.every((s) => s === 0) && counts.every((c, i) => c === x.shape[i])) return x;
  const strides = stridesOf(x.shape);
  const offset = starts.reduce((acc, s, i) => acc + s * strides[i], 0);
  const out = view(
    op,
    x,
    counts,
    strides.map((s, i) => s * steps[i]),
    offset,
  );
  return record(op, out, [x], (dy) => {
    const be = currentBackend();
    if (steps.every((s) => s === 1)) {
      // A contiguous window: its gradient is dy padded with zeros back to x's shape, one pass.
      const after = x.shape.map((d, i) => d - starts[i] - counts[i]);
      return [compute(`${op} (gradient)`, x.shape, "float32", () => be.pad(dy.dataOn(be), dy.shape, starts, after, 0))];
    }
    let g = dy;
    for (let axis = 0; axis < x.rank; axis++) {
      if (counts[axis] === x.shape[axis]) continue;
      const indices = Int32Array.from({ length: counts[axis] }, (_, k) => starts[axis] + k * steps[axis]);
      const idx = fromValues(indices, [indices.length], "int32");
      const shape = g.shape.map((d, i) => (i === axis ? x.shape[axis] : d));
      const source = g;
      g = compute(`${op} (gradient)`, shape, "float32", () =>
        be.scatterAdd(source.dataOn(be), idx.dataOn(be), counts[axis], axis, shape),
      );
    }
    return [g];
  });
}

function inferShape(x: Tensor, shape: readonly number[]): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  const known = shape.filter((d) => d !== -1);
  const fail = (why: string): never => {
    throw new Error(
      `reshape: ${x.shapeString()} (${x.size} elements) cannot be reshaped to ${shapeString(shape)}: ${why}`,
    );
  };
  if (unknown > 1) fail("only one dimension may be -1");
  if (known.some((d) => !Number.isInteger(d) || d < 0)) fail("dimensions must be non-negative integers or -1");
  const product = sizeOf(known);
  if (unknown === 0) {
    if (product !== x.size) fail(`that shape holds ${product} elements`);
    return [...shape];
  }
  if (product === 0 || x.size % product !== 0) fail(`${x.size} is not a multiple of ${product}`);
  return shape.map((d) => (d === -1 ? x.size / product : d));
}

function checkIndices(op: string, idx: Tensor, limit: number, what: string): void {
  const values = idx.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (values[i] < 0 || values[i] >= limit) {
      throw new Error(
        `${op}: index ${values[i]} (at position ${i}) is out of range for ${what}: indices must be in [0, ${limit})`,
      );
    }
  }
}

function clampIndex(i: number, d: number): number {
  const j = i < 0 ? i + d : i;
  return Math.min(Math.max(j, 0), d);
}
