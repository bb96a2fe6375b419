import type { ArrayInput, NestedArray, ShapedArray, TensorLike } from "./types";

/** Numeric data read out of any viz input: shape and row-major values. */
export interface Dense {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

/**
 * Reads a tensor, a shaped typed array or a nested array into `Dense`.
 * `op` names the viz function in error messages ("viz.images").
 */
export function toDense(input: ArrayInput, op: string): Dense {
  if (typeof input === "number") return { shape: [], data: [input] };
  if (Array.isArray(input)) return fromNested(input as readonly NestedArray[], op);
  if (isTensorLike(input)) return checked({ shape: input.shape, data: input.dataSync() }, op);
  if (isShapedArray(input)) return checked(input, op);
  throw new TypeError(`${op}: expected a tensor, a nested array of numbers or { data, shape }, got ${describe(input)}`);
}

/** Same as `toDense`, then checks the rank is one of `ranks`. */
export function toDenseOfRank(input: ArrayInput, ranks: readonly number[], op: string, what: string): Dense {
  const dense = toDense(input, op);
  if (!ranks.includes(dense.shape.length)) {
    const wanted = ranks.map((r) => `rank ${r}`).join(" or ");
    throw new RangeError(`${op}: ${what} must be ${wanted}, got shape [${dense.shape.join(", ")}]`);
  }
  return dense;
}

/** Drops a leading batch axis of size 1 until the rank is at most `rank`. */
export function squeezeBatch(dense: Dense, rank: number): Dense {
  let shape = dense.shape;
  while (shape.length > rank && shape[0] === 1) shape = shape.slice(1);
  return { shape, data: dense.data };
}

/**
 * Class indices from labels given as indices (`[N]`) or as one-hot rows /
 * probabilities (`[N, classes]`, argmax taken).
 */
export function classIndices(input: ArrayInput, op: string, what: string): number[] {
  const dense = toDenseOfRank(input, [1, 2], op, what);
  if (dense.shape.length === 1) return Array.from(dense.data, (v) => Math.round(v));
  const [n, classes] = dense.shape;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) {
      if (dense.data[i * classes + c] > dense.data[i * classes + best]) best = c;
    }
    out.push(best);
  }
  return out;
}

/** Minimum and maximum of the finite values (0, 0 when there are none). */
export function extent(data: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? [0, 0] : [min, max];
}

/** Rows of a rank-2 `Dense` as plain arrays (for plotly's `z`). */
export function rows(dense: Dense): number[][] {
  const [r, c] = dense.shape;
  const out: number[][] = [];
  for (let i = 0; i < r; i++) out.push(Array.from({ length: c }, (_, j) => dense.data[i * c + j]));
  return out;
}

export function isTensorLike(value: unknown): value is TensorLike {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as TensorLike).shape) &&
    typeof (value as TensorLike).dataSync === "function"
  );
}

export function isShapedArray(value: unknown): value is ShapedArray {
  if (typeof value !== "object" || value === null) return false;
  const { data, shape } = value as Partial<ShapedArray>;
  return Array.isArray(shape) && typeof data === "object" && data !== null && typeof data.length === "number";
}

function checked(dense: Dense, op: string): Dense {
  const size = dense.shape.reduce((a, b) => a * b, 1);
  if (dense.data.length !== size) {
    throw new RangeError(
      `${op}: shape [${dense.shape.join(", ")}] needs ${size} values but the data has ${dense.data.length}`,
    );
  }
  return dense;
}

function fromNested(input: readonly NestedArray[], op: string): Dense {
  const shape: number[] = [];
  for (let level: NestedArray = input; Array.isArray(level); level = (level as readonly NestedArray[])[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const data: number[] = [];
  const walk = (node: NestedArray, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (typeof node !== "number") {
        throw new TypeError(`${op}: nested array is deeper than expected at [${path.join("][")}]`);
      }
      data.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      const got = Array.isArray(node) ? `length ${node.length}` : typeof node;
      throw new RangeError(
        `${op}: ragged nested array: element [${path.join("][")}] has ${got}, expected length ${shape[depth]}`,
      );
    }
    node.forEach((child: NestedArray, i: number) => walk(child, depth + 1, [...path, i]));
  };
  walk(input, 0, []);
  return { shape, data };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "object";
}
