/**
 * The Tensor class: an n-dimensional array of float32 (or int32) values held
 * by a backend, with the autograd fields (`requiresGrad`, `grad`, the graph
 * node). Tensors are immutable except through `assign` (what optimizers use),
 * so views may share storage.
 *
 * This module sits below the ops (runtime/ops/ build on `compute` and
 * `fromValues`) and imports none of them; the op methods (`x.add(y)`) and
 * `backward` are added above the ops, in ./methods.ts.
 */
import { inspect } from "node:util";
import type { Backend, DType, Shape, TypedData, UploadData } from "../backend/backend";
import { shapeString, sizeOf } from "../backend/backend";
import { currentBackend } from "../backend/registry";
import { adopt, checkTensorSize, release, Storage, type StorageHold } from "../memory";
import { checkMemory } from "../memory_limit";
import { JUPYTER_DISPLAY, type MimeBundle } from "../display";
import { tensorBundle, tensorRepr } from "../format";

/** One recorded op (see ../autograd.ts): how to turn the gradient of its output into gradients of its inputs. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Tensors besides inputs and the output that `backward` reads (kept alive by `tidy`). */
  readonly saved: readonly Tensor[];
  /** Gradients for `inputs`, in order; null where an input needs none. */
  backward(dy: Tensor): readonly (Tensor | null)[];
}

/** Anything an op accepts where a tensor is expected: numbers become scalar tensors. */
export type TensorLike = Tensor | number;

/** Nested arrays of numbers, as `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Whether backward() computes a gradient for this tensor. */
  requiresGrad = false;
  /** The gradient accumulated by backward(): leaf tensors, and intermediate ones after `retainGrad()` (as in PyTorch). */
  grad: Tensor | null = null;
  /** Whether backward() keeps this intermediate tensor's gradient in `.grad` (set by `retainGrad()`). */
  retainsGrad = false;
  /** The op that produced this tensor, while its graph is recorded. */
  node: GradNode | null = null;
  private readonly hold: StorageHold;
  private disposed = false;

  /** Internal: ops create tensors with `compute`/`fromHandle`; users with `nn.tensor`. */
  constructor(storage: Storage, shape: Shape, dtype: DType) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.hold = adopt(this, storage);
  }

  get storage(): Storage {
    return this.hold.storage;
  }

  /** Internal: this tensor's hold on its storage, for memory.ts. */
  get storageHold(): StorageHold {
    return this.hold;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The backend handle of this tensor's data on backend `b`, moving it there first if it lives elsewhere. */
  dataOn(b: Backend): object {
    this.assertAlive("use");
    const s = this.hold.storage;
    if (s.backend === b) return s.handle;
    const moved = new Storage(b, b.upload(s.backend.read(s.handle, s.size, s.dtype), s.dtype), s.size, s.dtype);
    this.hold.swap(moved);
    return moved.handle;
  }

  /**
   * Rounds float data to the float32 values a float32 backend holds, in new storage (views taken before
   * keep the old values, as after `assign`). A no-op on backends that store float32; the reference
   * backend keeps float64. The graph is not recorded.
   */
  roundToFloat32(): this {
    this.assertAlive("roundToFloat32");
    const s = this.hold.storage;
    if (s.dtype !== "float32") return this;
    const rounded = s.backend.roundToFloat32(s.handle, s.size);
    if (rounded !== s.handle) this.hold.swap(new Storage(s.backend, rounded, s.size, s.dtype));
    return this;
  }

  // ----- autograd (backward() is in ./methods.ts: it runs ops) -----

  /** A tensor sharing this one's data, cut from the graph (no gradient flows through it). */
  detach(): Tensor {
    return this.view(this.shape);
  }

  /**
   * Keeps this intermediate tensor's gradient: the next backward() fills its `.grad` as it does a leaf's
   * (PyTorch's `retain_grad()`). Returns the tensor, so `const h = nn.relu(z).retainGrad()` reads naturally.
   */
  retainGrad(): this {
    if (!this.requiresGrad) {
      throw new Error(
        `retainGrad: this tensor ${this.shapeString()} does not require grad, so backward() gives it none; ` +
          "compute it from a tensor created with { requiresGrad: true }",
      );
    }
    this.retainsGrad = true;
    return this;
  }

  /** Drops the accumulated gradient. */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  // ----- data access -----

  /** The values as a flat typed array (a copy). Float32Array for float32, Int32Array for int32. */
  dataSync(): TypedData {
    this.assertAlive("dataSync");
    const s = this.hold.storage;
    return s.backend.read(s.handle, s.size, s.dtype);
  }

  /**
   * The values as nested arrays (a number for a scalar), as PyTorch's `tolist()`. Pass the tensor's rank
   * to get them typed without a cast: `x.toArray(2)` is `number[][]` (rows of numbers), `x.toArray(1)`
   * `number[]`, up to `toArray(4)`. The rank is checked: `toArray(2)` on a tensor of shape [2,3,4] throws.
   */
  toArray(): NestedArray;
  toArray(rank: 0): number;
  toArray(rank: 1): number[];
  toArray(rank: 2): number[][];
  toArray(rank: 3): number[][][];
  toArray(rank: 4): number[][][][];
  toArray(rank?: number): NestedArray;
  toArray(rank?: number): NestedArray {
    if (rank !== undefined && rank !== this.rank) {
      throw new Error(
        `toArray(${rank}): the tensor is ${this.shapeString()}, of rank ${this.rank}; ` +
          `call toArray(${this.rank}), or reshape it to ${rank} axes first`,
      );
    }
    return nest(this.dataSync(), this.shape, 0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) {
      throw new Error(`item: the tensor is ${this.shapeString()} with ${this.size} elements; item() needs exactly one`);
    }
    return this.dataSync()[0];
  }

  /**
   * Replaces this tensor's values with `value`'s (same shape; cast to this
   * dtype), keeping its identity, `requiresGrad` and `.grad`: what optimizers
   * use to update weights. The graph is not recorded.
   */
  assign(value: Tensor): this {
    this.assertAlive("assign");
    if (!sameShape(value.shape, this.shape)) {
      throw new Error(`assign: value ${value.shapeString()} does not match the tensor ${this.shapeString()}`);
    }
    const source = castTo(value, this.dtype);
    source.assertAlive("assign");
    this.hold.swap(source.storage);
    if (source !== value) source.dispose();
    return this;
  }

  /** Frees the backend storage now. Later use of the tensor throws. Harmless to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    release(this, this.hold);
  }

  /** A new tensor of `shape` over the same storage (no copy, no graph). */
  view(shape: Shape): Tensor {
    this.assertAlive("view");
    return new Tensor(this.hold.storage, shape, this.dtype);
  }

  /** "[2,3]" */
  shapeString(): string {
    return shapeString(this.shape);
  }

  assertAlive(op: string): void {
    if (this.disposed) {
      throw new Error(
        `${op}: the tensor ${this.shapeString()} ${this.dtype} was disposed (by dispose() or nn.tidy); keep it with nn.keep(t) or return it from the tidy function`,
      );
    }
  }

  // ----- display -----

  toString(): string {
    return tensorRepr(this);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return tensorBundle(this);
  }

  [inspect.custom](): string {
    return tensorRepr(this);
  }
}

/**
 * A tensor of `shape` whose data the current backend computes with `kernel`.
 * Checks the size cap and the process's memory limit first, so an oversized
 * result fails with a clear error instead of an out-of-memory kill.
 */
export function compute(op: string, shape: Shape, dtype: DType, kernel: (b: Backend) => object): Tensor {
  checkTensorSize(op, shape);
  checkMemoryFor(op, shape, dtype);
  const b = currentBackend();
  const handle = kernel(b);
  return new Tensor(new Storage(b, handle, sizeOf(shape), dtype), shape, dtype);
}

/**
 * Throws when a new tensor of `shape` would take the process past its memory
 * limit (runtime/memory_limit.ts), counting `stagingBytes` of JavaScript data
 * the caller is about to fill before uploading it (the creation ops), so that
 * the check comes before the first large allocation.
 */
export function checkMemoryFor(op: string, shape: Shape, dtype: DType, stagingBytes = 0): void {
  checkMemory(
    () => {
      const size = sizeOf(shape);
      return stagingBytes + (currentBackend().residentGrowth?.(size, dtype) ?? size * 4);
    },
    () =>
      `${op}: a tensor of shape ${shapeString(shape)} ${dtype}${stagingBytes > 0 ? " (with the array it is filled from)" : ""}`,
  );
}

/** A tensor over `handle`, new storage that backend `b` returned beside an op's main result (which `compute` wraps). */
export function fromHandle(b: Backend, handle: object, shape: Shape, dtype: DType): Tensor {
  return new Tensor(new Storage(b, handle, sizeOf(shape), dtype), shape, dtype);
}

/** A tensor holding a copy of `values` on the current backend. */
export function fromValues(values: UploadData, shape: Shape, dtype: DType): Tensor {
  return compute("tensor", shape, dtype, (b) => b.upload(values, dtype));
}

/** `t` as `dtype` (`t` itself when it already is): a data conversion that records no graph. */
export function castTo(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const b = currentBackend();
  return compute("cast", t.shape, dtype, () => b.cast(t.dataOn(b), t.size, t.dtype, dtype));
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function nest(data: TypedData, shape: Shape, dim: number, offset: number): NestedArray {
  if (dim === shape.length) return data[offset];
  const out: NestedArray[] = [];
  const stride = sizeOf(shape.slice(dim + 1));
  for (let i = 0; i < shape[dim]; i++) out.push(nest(data, shape, dim + 1, offset + i * stride));
  return out;
}
