/**
 * The Tensor class: an n-dimensional array of float32 (or int32) values held
 * by a backend, with the autograd fields (`requiresGrad`, `grad`, the graph
 * node) and method sugar for the ops in runtime/ops/. Tensors are immutable
 * except through `assign` (what optimizers use), so views may share storage.
 */
import { inspect } from "node:util";
import type { Backend, DType, Shape, TypedData, UploadData } from "./backend/backend";
import { sizeOf } from "./backend/backend";
import { currentBackend } from "./backend/registry";
import { reversePass, type BackwardOptions, type GradNode } from "./autograd";
import { adopt, checkTensorSize, keep, release, Storage, type StorageHold, tidyScope } from "./memory";
import { JUPYTER_DISPLAY, type MimeBundle } from "./display";
import { tensorBundle, tensorRepr } from "./format";
import * as math from "./ops/math";
import * as reduce from "./ops/reduce";
import * as shapeOps from "./ops/shape";
import * as linalg from "./ops/linalg";
import * as activation from "./ops/activation";

/** Anything an op accepts where a tensor is expected: numbers become scalar tensors. */
export type TensorLike = Tensor | number;

/** Nested arrays of numbers, as `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: Shape;
  readonly dtype: DType;
  /** Whether backward() computes a gradient for this tensor. */
  requiresGrad = false;
  /** The gradient accumulated by backward() (leaf tensors only, as in PyTorch). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, while its graph is recorded. */
  node: GradNode | null = null;
  private readonly hold: StorageHold;
  private disposed = false;

  /** Internal: ops create tensors with `fromStorage`/`compute`; users with `nn.tensor`. */
  constructor(storage: Storage, shape: Shape, dtype: DType) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.hold = adopt(this, storage);
  }

  get storage(): Storage {
    return this.hold.storage;
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

  // ----- autograd -----

  /**
   * Computes gradients of this tensor with respect to every leaf tensor that
   * requires them, adding into their `.grad`. Without `grad`, this tensor
   * must hold one element (a loss). The graph is freed afterwards.
   */
  backward(grad?: Tensor, options: BackwardOptions = {}): void {
    if (!this.requiresGrad) {
      throw new Error(
        `backward: this tensor ${this.shapeString()} does not require grad; ` +
          "set requiresGrad on the inputs (nn.tensor(data, { requiresGrad: true })) before computing it",
      );
    }
    if (!grad && this.size !== 1) {
      throw new Error(
        `backward: the tensor is ${this.shapeString()} with ${this.size} elements; ` +
          "backward() without a gradient needs a single-element tensor (reduce it with .sum() or .mean())",
      );
    }
    if (grad && !sameShape(grad.shape, this.shape)) {
      throw new Error(`backward: gradient ${grad.shapeString()} does not match the tensor ${this.shapeString()}`);
    }
    // Intermediate gradients are freed at once (they would otherwise wait for the garbage collector,
    // which does not see GPU memory); leaf gradients survive because accumulateLeafGrad keeps them.
    tidyScope(
      () => reversePass(this, grad ?? math.onesLike(this), options, accumulateLeafGrad, (a, b) => math.add(a, b)),
      () => [],
      (t) => (t as Tensor).dispose(),
    );
  }

  /** A tensor sharing this one's data, cut from the graph (no gradient flows through it). */
  detach(): Tensor {
    return this.view(this.shape);
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

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const data = this.dataSync();
    return nest(data, this.shape, 0, 0);
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
    const source = value.dtype === this.dtype ? value : math.cast(value, this.dtype);
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
    return `[${this.shape.join(",")}]`;
  }

  assertAlive(op: string): void {
    if (this.disposed) {
      throw new Error(`${op}: the tensor ${this.shapeString()} ${this.dtype} was disposed (by dispose() or nn.tidy); keep it with nn.keep(t) or return it from the tidy function`);
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

  // ----- op sugar (see runtime/ops/ for each op's documentation) -----

  add(other: TensorLike): Tensor {
    return math.add(this, other);
  }
  sub(other: TensorLike): Tensor {
    return math.sub(this, other);
  }
  mul(other: TensorLike): Tensor {
    return math.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return math.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return math.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return math.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return math.minimum(this, other);
  }
  eq(other: TensorLike): Tensor {
    return math.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return math.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return math.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return math.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return math.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return math.ge(this, other);
  }
  neg(): Tensor {
    return math.neg(this);
  }
  abs(): Tensor {
    return math.abs(this);
  }
  exp(): Tensor {
    return math.exp(this);
  }
  log(): Tensor {
    return math.log(this);
  }
  sqrt(): Tensor {
    return math.sqrt(this);
  }
  square(): Tensor {
    return math.square(this);
  }
  tanh(): Tensor {
    return activation.tanh(this);
  }
  sigmoid(): Tensor {
    return activation.sigmoid(this);
  }
  relu(): Tensor {
    return activation.relu(this);
  }
  clip(min: number, max: number): Tensor {
    return math.clip(this, min, max);
  }
  cast(dtype: DType): Tensor {
    return math.cast(this, dtype);
  }
  matmul(other: Tensor): Tensor {
    return linalg.matmul(this, other);
  }
  sum(axes?: number | readonly number[], keepDims = false): Tensor {
    return reduce.sum(this, axes, keepDims);
  }
  mean(axes?: number | readonly number[], keepDims = false): Tensor {
    return reduce.mean(this, axes, keepDims);
  }
  max(axes?: number | readonly number[], keepDims = false): Tensor {
    return reduce.max(this, axes, keepDims);
  }
  min(axes?: number | readonly number[], keepDims = false): Tensor {
    return reduce.min(this, axes, keepDims);
  }
  argmax(axis = -1): Tensor {
    return reduce.argmax(this, axis);
  }
  argmin(axis = -1): Tensor {
    return reduce.argmin(this, axis);
  }
  softmax(axis = -1): Tensor {
    return activation.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return activation.logSoftmax(this, axis);
  }
  reshape(shape: readonly number[]): Tensor {
    return shapeOps.reshape(this, shape);
  }
  flatten(): Tensor {
    return shapeOps.reshape(this, [-1]);
  }
  transpose(perm?: readonly number[]): Tensor {
    return shapeOps.transpose(this, perm);
  }
  /** The transpose of a matrix (reverses all axes). */
  get T(): Tensor {
    return shapeOps.transpose(this);
  }
  squeeze(axes?: number | readonly number[]): Tensor {
    return shapeOps.squeeze(this, axes);
  }
  expandDims(axis: number): Tensor {
    return shapeOps.expandDims(this, axis);
  }
  slice(begin: readonly number[], size?: readonly number[]): Tensor {
    return shapeOps.slice(this, begin, size);
  }
  /** Element `index` along `axis` (that axis removed). */
  select(axis: number, index: number): Tensor {
    return shapeOps.select(this, axis, index);
  }
  gather(indices: Tensor | readonly number[], axis = 0): Tensor {
    return shapeOps.gather(this, indices, axis);
  }
  broadcastTo(shape: readonly number[]): Tensor {
    return shapeOps.broadcastTo(this, shape);
  }
}

/**
 * A tensor of `shape` whose data the current backend computes with `kernel`.
 * Checks the size cap first, so an oversized result fails with a clear error
 * instead of an out-of-memory kill.
 */
export function compute(op: string, shape: Shape, dtype: DType, kernel: (b: Backend) => object): Tensor {
  checkTensorSize(op, shape);
  const b = currentBackend();
  const handle = kernel(b);
  return new Tensor(new Storage(b, handle, sizeOf(shape), dtype), shape, dtype);
}

/** A tensor holding a copy of `values` on the current backend. */
export function fromValues(values: UploadData, shape: Shape, dtype: DType): Tensor {
  return compute("tensor", shape, dtype, (b) => b.upload(values, dtype));
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function accumulateLeafGrad(leaf: Tensor, grad: Tensor): void {
  // A fresh tensor object per leaf: one gradient tensor may reach several leaves (add passes it through),
  // and disposing one leaf's .grad must not dispose another's.
  const own = keep(grad.view(leaf.shape));
  if (leaf.grad) {
    const sum = keep(math.add(leaf.grad, own));
    leaf.grad.dispose();
    own.dispose();
    leaf.grad = sum;
  } else {
    leaf.grad = own;
  }
}

function nest(data: TypedData, shape: Shape, dim: number, offset: number): NestedArray {
  if (dim === shape.length) return data[offset];
  const out: NestedArray[] = [];
  const stride = sizeOf(shape.slice(dim + 1));
  for (let i = 0; i < shape[dim]; i++) out.push(nest(data, shape, dim + 1, offset + i * stride));
  return out;
}

