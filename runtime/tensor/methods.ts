/**
 * The Tensor methods that run ops: `x.add(y)`, `x.sum()`, `loss.backward()`.
 * They sit above the ops, as TensorFlow.js's chained ops do: the interface
 * below merges into the class of ./core (so notebooks see the methods typed and
 * completing), and the prototype assignments under it supply the bodies. Ops
 * themselves call op functions, never these methods. See runtime/ops/ for each
 * op's documentation.
 */
import type { DType } from "../backend/backend";
import { reversePass, type BackwardOptions } from "../autograd";
import { keep, tidyScope } from "../memory";
import { onesLike } from "../ops/creation";
import * as math from "../ops/math";
import * as reduce from "../ops/reduce";
import * as shapeOps from "../ops/shape";
import * as linalg from "../ops/linalg";
import * as activation from "../ops/activation";
import { sameShape, Tensor } from "./core";

declare module "./core" {
  interface Tensor {
    /**
     * Computes gradients of this tensor with respect to every leaf tensor that
     * requires them, adding into their `.grad`. Without `grad`, this tensor
     * must hold one element (a loss). The graph is freed afterwards.
     */
    backward(grad?: Tensor, options?: BackwardOptions): void;

    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(exponent: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    ne(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    le(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    ge(other: TensorLike): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    clip(min: number, max: number): Tensor;
    cast(dtype: DType): Tensor;
    matmul(other: Tensor): Tensor;
    sum(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    mean(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    max(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    min(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    argmax(axis?: number): Tensor;
    argmin(axis?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor;
    flatten(): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    /** The transpose of a matrix (reverses all axes). */
    readonly T: Tensor;
    squeeze(axes?: number | readonly number[]): Tensor;
    expandDims(axis: number): Tensor;
    /** The block starting at `begin` of `size` (-1 or missing: to the end of the axis), as `tf.slice`. */
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    /**
     * Rows `start` up to (not including) `end` along the first axis, as `x[start:end]` in NumPy and PyTorch
     * (`x.slice(0, 100)`: the first 100 examples). Negative indices count from the end; `end` defaults to the end.
     */
    slice(start: number, end?: number): Tensor;
    /** Element `index` along `axis` (that axis removed). */
    select(axis: number, index: number): Tensor;
    gather(indices: Tensor | readonly number[], axis?: number): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
  }
}

// ----- autograd -----

Tensor.prototype.backward = function (grad?: Tensor, options: BackwardOptions = {}): void {
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
    () => reversePass(this, grad ?? onesLike(this), options, accumulateLeafGrad, (a, b) => math.add(a, b)),
    () => [],
    (t) => (t as Tensor).dispose(),
  );
};

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

// ----- op sugar -----

Tensor.prototype.add = function (other) {
  return math.add(this, other);
};
Tensor.prototype.sub = function (other) {
  return math.sub(this, other);
};
Tensor.prototype.mul = function (other) {
  return math.mul(this, other);
};
Tensor.prototype.div = function (other) {
  return math.div(this, other);
};
Tensor.prototype.pow = function (exponent) {
  return math.pow(this, exponent);
};
Tensor.prototype.maximum = function (other) {
  return math.maximum(this, other);
};
Tensor.prototype.minimum = function (other) {
  return math.minimum(this, other);
};
Tensor.prototype.eq = function (other) {
  return math.eq(this, other);
};
Tensor.prototype.ne = function (other) {
  return math.ne(this, other);
};
Tensor.prototype.lt = function (other) {
  return math.lt(this, other);
};
Tensor.prototype.le = function (other) {
  return math.le(this, other);
};
Tensor.prototype.gt = function (other) {
  return math.gt(this, other);
};
Tensor.prototype.ge = function (other) {
  return math.ge(this, other);
};
Tensor.prototype.neg = function () {
  return math.neg(this);
};
Tensor.prototype.abs = function () {
  return math.abs(this);
};
Tensor.prototype.exp = function () {
  return math.exp(this);
};
Tensor.prototype.log = function () {
  return math.log(this);
};
Tensor.prototype.sqrt = function () {
  return math.sqrt(this);
};
Tensor.prototype.square = function () {
  return math.square(this);
};
Tensor.prototype.tanh = function () {
  return activation.tanh(this);
};
Tensor.prototype.sigmoid = function () {
  return activation.sigmoid(this);
};
Tensor.prototype.relu = function () {
  return activation.relu(this);
};
Tensor.prototype.clip = function (min, max) {
  return math.clip(this, min, max);
};
Tensor.prototype.cast = function (dtype) {
  return math.cast(this, dtype);
};
Tensor.prototype.matmul = function (other) {
  return linalg.matmul(this, other);
};
Tensor.prototype.sum = function (axes, keepDims = false) {
  return reduce.sum(this, axes, keepDims);
};
Tensor.prototype.mean = function (axes, keepDims = false) {
  return reduce.mean(this, axes, keepDims);
};
Tensor.prototype.max = function (axes, keepDims = false) {
  return reduce.max(this, axes, keepDims);
};
Tensor.prototype.min = function (axes, keepDims = false) {
  return reduce.min(this, axes, keepDims);
};
Tensor.prototype.argmax = function (axis = -1) {
  return reduce.argmax(this, axis);
};
Tensor.prototype.argmin = function (axis = -1) {
  return reduce.argmin(this, axis);
};
Tensor.prototype.softmax = function (axis = -1) {
  return activation.softmax(this, axis);
};
Tensor.prototype.logSoftmax = function (axis = -1) {
  return activation.logSoftmax(this, axis);
};
Tensor.prototype.reshape = function (shape) {
  return shapeOps.reshape(this, shape);
};
Tensor.prototype.flatten = function () {
  return shapeOps.reshape(this, [-1]);
};
Tensor.prototype.transpose = function (perm) {
  return shapeOps.transpose(this, perm);
};
Object.defineProperty(Tensor.prototype, "T", {
  get(this: Tensor): Tensor {
    return shapeOps.transpose(this);
  },
  configurable: true,
});
Tensor.prototype.squeeze = function (axes) {
  return shapeOps.squeeze(this, axes);
};
Tensor.prototype.expandDims = function (axis) {
  return shapeOps.expandDims(this, axis);
};
Tensor.prototype.slice = function (this: Tensor, begin: readonly number[] | number, size?: readonly number[] | number) {
  if (typeof begin !== "number") return shapeOps.slice(this, begin, size as readonly number[] | undefined);
  const end = size as number | undefined;
  if (this.rank === 0 || !Number.isInteger(begin) || (end !== undefined && !Number.isInteger(end))) {
    throw new Error(
      `slice(${begin}${end === undefined ? "" : `, ${end}`}): rows need integer indices and a tensor with a first axis, got ${this.shapeString()}`,
    );
  }
  return shapeOps.stridedSlice(this, [begin], [end]);
};
Tensor.prototype.select = function (axis, index) {
  return shapeOps.select(this, axis, index);
};
Tensor.prototype.gather = function (indices, axis = 0) {
  return shapeOps.gather(this, indices, axis);
};
Tensor.prototype.broadcastTo = function (shape) {
  return shapeOps.broadcastTo(this, shape);
};

// Assigned methods are enumerable, class methods are not: make these like the class's own, so that
// `for...in` and object spreads of a tensor see its fields only, as before the split.
for (const name of Object.keys(Tensor.prototype)) {
  Object.defineProperty(Tensor.prototype, name, { enumerable: false });
}
