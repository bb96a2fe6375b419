/**
 * Creating tensors: from JavaScript data, constant fills, ranges, and random
 * draws from the seeded generator (runtime/random.ts).
 */
import type { DType, Shape } from "../backend/backend";
import { shapeString, sizeOf } from "../backend/backend";
import { checkMemoryFor, fromValues, type NestedArray, type Tensor } from "../tensor/core";
import { integerArray, normalArray, uniformArray } from "../random";

export interface TensorOptions {
  /** float32 unless the data is an Int32Array. */
  dtype?: DType;
  /** Track gradients for this tensor (a leaf: backward() fills its `.grad`). */
  requiresGrad?: boolean;
}

export type TensorData =
  NestedArray | readonly NestedArray[] | Float32Array | Float64Array | Int32Array | Uint8Array | readonly number[];

/**
 * A tensor from a number, nested arrays or a typed array. `shape` is needed
 * for flat data of rank > 1 and must match the element count; it is inferred
 * from nested arrays. Values are stored as float32 (or int32).
 *
 *   nn.tensor([[1, 2], [3, 4]])
 *   nn.tensor(new Float32Array(6), [2, 3])
 *   nn.tensor([1, 2, 3], { requiresGrad: true })
 */
export function tensor(
  data: TensorData,
  shapeOrOptions?: readonly number[] | TensorOptions,
  options: TensorOptions = {},
): Tensor {
  const opts = Array.isArray(shapeOrOptions) ? options : ((shapeOrOptions as TensorOptions | undefined) ?? options);
  const explicitShape = Array.isArray(shapeOrOptions) ? (shapeOrOptions as readonly number[]) : undefined;
  const { values, shape: inferred } = flatten(data);
  const dtype = opts.dtype ?? (data instanceof Int32Array ? "int32" : "float32");
  let shape: Shape = inferred;
  if (explicitShape) {
    checkShape("tensor", explicitShape);
    if (sizeOf(explicitShape) !== values.length) {
      throw new Error(
        `tensor: ${values.length} values cannot have shape ${shapeString(explicitShape)} (${sizeOf(explicitShape)} elements)`,
      );
    }
    shape = explicitShape;
  }
  const t = fromValues(toStorageArray(values, dtype), shape, dtype);
  if (opts.requiresGrad) requireGrad(t, "tensor");
  return t;
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  checkShape("full", shape);
  const dtype = options.dtype ?? "float32";
  checkStaged("full", shape, dtype);
  const values = dtype === "int32" ? new Int32Array(sizeOf(shape)) : new Float32Array(sizeOf(shape));
  values.fill(value);
  const t = fromValues(values, shape, dtype);
  if (options.requiresGrad) requireGrad(t, "full");
  return t;
}

export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

export function zerosLike(x: Tensor): Tensor {
  return full(x.shape, 0, { dtype: x.dtype });
}

export function onesLike(x: Tensor): Tensor {
  return full(x.shape, 1, { dtype: x.dtype });
}

/** The `n` x `m` identity matrix (m defaults to n). */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  checkShape("eye", [n, m]);
  checkStaged("eye", [n, m], options.dtype ?? "float32");
  const values = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return tensor(values, [n, m], options);
}

/**
 * Evenly spaced values in [start, stop) with `step`, as NumPy's arange;
 * `arange(n)` is 0..n-1. int32 when start, stop and step are integers, unless `dtype` says otherwise.
 */
export function arange(start: number, stop?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step))
    throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((to - from) / step));
  const integral = Number.isInteger(from) && Number.isInteger(to) && Number.isInteger(step);
  const dtype = options.dtype ?? (integral ? "int32" : "float32");
  const values = dtype === "int32" ? new Int32Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = from + i * step;
  return tensor(values, [n], { ...options, dtype });
}

/** `num` evenly spaced values from start to stop, both included (float32). */
export function linspace(start: number, stop: number, num: number, options: TensorOptions = {}): Tensor {
  checkShape("linspace", [num]);
  checkStaged("linspace", [num], options.dtype ?? "float32");
  const values = new Float32Array(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) values[i] = start + i * step;
  if (num > 1) values[num - 1] = stop;
  return tensor(values, [num], options);
}

export interface NormalOptions extends TensorOptions {
  mean?: number;
  std?: number;
}

/** Normally distributed values (mean 0, std 1 by default) from the seeded generator. */
export function randn(shape: readonly number[], options: NormalOptions = {}): Tensor {
  checkShape("randn", shape);
  checkStaged("randn", shape, options.dtype ?? "float32");
  return tensor(normalArray(sizeOf(shape), options.mean ?? 0, options.std ?? 1), shape, options);
}

export interface UniformOptions extends TensorOptions {
  low?: number;
  high?: number;
}

/** Uniform values in [low, high) ([0, 1) by default) from the seeded generator. */
export function rand(shape: readonly number[], options: UniformOptions = {}): Tensor {
  checkShape("rand", shape);
  checkStaged("rand", shape, options.dtype ?? "float32");
  return tensor(uniformArray(sizeOf(shape), options.low ?? 0, options.high ?? 1), shape, options);
}

/** int32 values uniform in [low, high) from the seeded generator. */
export function randint(low: number, high: number, shape: readonly number[]): Tensor {
  checkShape("randint", shape);
  checkStaged("randint", shape, "int32");
  if (!(high > low)) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
  return tensor(integerArray(sizeOf(shape), low, high), shape, { dtype: "int32" });
}

/** Throws unless every dimension is a non-negative integer. */
export function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${op}: shape [${String(shape)}] must be a list of non-negative integers`);
  }
}

/** The memory limit, before a creation op fills its JavaScript array (4 bytes an element) and uploads it. */
function checkStaged(op: string, shape: readonly number[], dtype: DType): void {
  checkMemoryFor(op, shape, dtype, sizeOf(shape) * 4);
}

function requireGrad(t: Tensor, op: string): void {
  if (t.dtype !== "float32") throw new Error(`${op}: requiresGrad needs a float32 tensor, not ${t.dtype}`);
  t.requiresGrad = true;
}

function toStorageArray(values: ArrayLike<number>, dtype: DType): Float32Array | Float64Array | Int32Array {
  if (dtype === "int32") return values instanceof Int32Array ? values : Int32Array.from(values);
  // A Float64Array keeps float64 precision on backends that store it (the reference): gradient checks rely on it.
  if (values instanceof Float32Array || values instanceof Float64Array) return values;
  return Float32Array.from(values);
}

function flatten(data: TensorData): { values: ArrayLike<number>; shape: number[] } {
  if (typeof data === "number") return { values: [data], shape: [] };
  if (ArrayBuffer.isView(data)) return { values: data, shape: [data.length] };
  if (!Array.isArray(data))
    throw new Error(`tensor: expected a number, nested arrays or a typed array, got ${typeof data}`);
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const values: number[] = [];
  collect(data, shape, 0, values, []);
  return { values, shape };
}

function collect(level: unknown, shape: number[], dim: number, out: number[], path: number[]): void {
  const where = path.length > 0 ? ` at [${path.join("][")}]` : "";
  if (dim === shape.length) {
    if (typeof level !== "number") {
      throw new Error(
        `tensor: expected a number${where}, found ${Array.isArray(level) ? "an array" : typeof level} (nested arrays must be rectangular)`,
      );
    }
    out.push(level);
    return;
  }
  if (!Array.isArray(level) || level.length !== shape[dim]) {
    const found = Array.isArray(level) ? `length ${level.length}` : typeof level;
    throw new Error(`tensor: nested arrays must be rectangular: expected length ${shape[dim]}${where}, found ${found}`);
  }
  for (let i = 0; i < level.length; i++) {
    path.push(i);
    collect(level[i], shape, dim + 1, out, path);
    path.pop();
  }
}
