/**
 * Elementwise math with NumPy broadcasting, each op's gradient beside its
 * forward. Numbers are accepted wherever a tensor is (as scalars); int32
 * inputs compute in float32 and give float32 results.
 */
import { currentBackend } from "../backend/registry";
import type { BinaryOp, DType, UnaryOp } from "../backend/backend";
import { record } from "../autograd";
import { castTo, compute, type Tensor, type TensorLike } from "../tensor/core";
import { broadcastShapes, toFloat, toTensor, unbroadcast } from "./operands";
import { zerosLike } from "./creation";

// ----- binary arithmetic -----

export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [toFloat(a), toFloat(b)];
  const out = binary("add", x, y);
  return record("add", out, [x, y], (dy) => [
    x.requiresGrad ? unbroadcast(dy, x.shape) : null,
    y.requiresGrad ? unbroadcast(dy, y.shape) : null,
  ]);
}

export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [toFloat(a), toFloat(b)];
  const out = binary("sub", x, y);
  return record("sub", out, [x, y], (dy) => [
    x.requiresGrad ? unbroadcast(dy, x.shape) : null,
    y.requiresGrad ? unbroadcast(neg(dy), y.shape) : null,
  ]);
}

export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [toFloat(a), toFloat(b)];
  const out = binary("mul", x, y);
  return record("mul", out, [x, y], (dy) => [
    x.requiresGrad ? unbroadcast(mul(dy, y), x.shape) : null,
    y.requiresGrad ? unbroadcast(mul(dy, x), y.shape) : null,
  ]);
}

export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [toFloat(a), toFloat(b)];
  const out = binary("div", x, y);
  // d(x/y)/dy = -x/y^2 = -out/y
  return record("div", out, [x, y], (dy) => [
    x.requiresGrad ? unbroadcast(div(dy, y), x.shape) : null,
    y.requiresGrad ? unbroadcast(neg(mul(dy, div(out, y))), y.shape) : null,
  ]);
}

/** x ** y elementwise. The gradient for y is taken as 0 where x <= 0 (where ln x is undefined). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [toFloat(a), toFloat(b)];
  const out = binary("pow", x, y);
  return record("pow", out, [x, y], (dy) => [
    unbroadcast(mul(dy, mul(y, pow(x, sub(y, 1)))), x.shape),
    y.requiresGrad ? unbroadcast(mul(dy, where(gt(x, 0), mul(out, log(x)), 0)), y.shape) : null,
  ]);
}

/** Elementwise maximum; on ties the gradient goes to `a`. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [toFloat(a), toFloat(b)];
  const out = binary("maximum", x, y);
  return record("maximum", out, [x, y], (dy) => {
    const toX = ge(x, y);
    return [
      x.requiresGrad ? unbroadcast(mul(dy, toX), x.shape) : null,
      y.requiresGrad ? unbroadcast(mul(dy, sub(1, toX)), y.shape) : null,
    ];
  });
}

/** Elementwise minimum; on ties the gradient goes to `a`. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [toFloat(a), toFloat(b)];
  const out = binary("minimum", x, y);
  return record("minimum", out, [x, y], (dy) => {
    const toX = le(x, y);
    return [
      x.requiresGrad ? unbroadcast(mul(dy, toX), x.shape) : null,
      y.requiresGrad ? unbroadcast(mul(dy, sub(1, toX)), y.shape) : null,
    ];
  });
}

// ----- comparisons (float32 1/0, no gradient) -----

export const eq = (a: TensorLike, b: TensorLike): Tensor => binary("eq", toFloat(a), toFloat(b));
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary("ne", toFloat(a), toFloat(b));
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary("lt", toFloat(a), toFloat(b));
export const le = (a: TensorLike, b: TensorLike): Tensor => binary("le", toFloat(a), toFloat(b));
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary("gt", toFloat(a), toFloat(b));
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary("ge", toFloat(a), toFloat(b));

/** cond ? a : b elementwise (cond nonzero), all three broadcast together. */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  const [c, x, y] = [toFloat(cond), toFloat(a), toFloat(b)];
  const shape = broadcastShapes("where", broadcastShapes("where", c.shape, x.shape), y.shape);
  const be = currentBackend();
  const out = compute("where", shape, "float32", () =>
    be.where(c.dataOn(be), c.shape, x.dataOn(be), x.shape, y.dataOn(be), y.shape, shape),
  );
  return record(
    "where",
    out,
    [x, y],
    (dy) => [
      x.requiresGrad ? unbroadcast(where(c, dy, 0), x.shape) : null,
      y.requiresGrad ? unbroadcast(where(c, 0, dy), y.shape) : null,
    ],
    [c],
  );
}

// ----- unary math -----

export function neg(x: TensorLike): Tensor {
  return unaryWithGrad("neg", x, (dy) => neg(dy));
}

export function abs(x: TensorLike): Tensor {
  return unaryWithGrad("abs", x, (dy, input) => mul(dy, sign(input)));
}

export function exp(x: TensorLike): Tensor {
  return unaryWithGrad("exp", x, (dy, _input, out) => mul(dy, out));
}

export function log(x: TensorLike): Tensor {
  return unaryWithGrad("log", x, (dy, input) => div(dy, input));
}

export function sqrt(x: TensorLike): Tensor {
  return unaryWithGrad("sqrt", x, (dy, _input, out) => div(dy, mul(out, 2)));
}

export function square(x: TensorLike): Tensor {
  return unaryWithGrad("square", x, (dy, input) => mul(dy, mul(input, 2)));
}

export function reciprocal(x: TensorLike): Tensor {
  return unaryWithGrad("reciprocal", x, (dy, _input, out) => neg(mul(dy, square(out))));
}

export function sin(x: TensorLike): Tensor {
  return unaryWithGrad("sin", x, (dy, input) => mul(dy, cos(input)));
}

export function cos(x: TensorLike): Tensor {
  return unaryWithGrad("cos", x, (dy, input) => neg(mul(dy, sin(input))));
}

/** The Gauss error function. */
export function erf(x: TensorLike): Tensor {
  // d erf(x)/dx = 2/sqrt(pi) e^(-x^2)
  return unaryWithGrad("erf", x, (dy, input) => mul(dy, mul(exp(neg(square(input))), 2 / Math.sqrt(Math.PI))));
}

/** Piecewise-constant functions: their gradient is 0 almost everywhere. */
export const sign = (x: TensorLike): Tensor => unaryWithGrad("sign", x, (_dy, input) => zerosLike(input));
export const floor = (x: TensorLike): Tensor => unaryWithGrad("floor", x, (_dy, input) => zerosLike(input));
export const ceil = (x: TensorLike): Tensor => unaryWithGrad("ceil", x, (_dy, input) => zerosLike(input));
/** Rounds halves away from zero. */
export const round = (x: TensorLike): Tensor => unaryWithGrad("round", x, (_dy, input) => zerosLike(input));

/** Values limited to [min, max]; the gradient passes where the value was inside (boundaries included). */
export function clip(x: TensorLike, min: number, max: number): Tensor {
  if (min > max) throw new Error(`clip: min ${min} is greater than max ${max}`);
  return minimum(maximum(x, min), max);
}

/** The values converted to `dtype` (float32 -> int32 truncates toward zero). No gradient flows through a cast to int32. */
export function cast(x: TensorLike, dtype: DType): Tensor {
  return castTo(toTensor(x), dtype);
}

// ----- helpers for this file and activation.ts -----

/** Runs backend primitive `op` on float data broadcast to the common shape. */
function binary(op: BinaryOp, x: Tensor, y: Tensor): Tensor {
  const shape = broadcastShapes(op, x.shape, y.shape);
  const be = currentBackend();
  return compute(op, shape, "float32", () => be.binary(op, x.dataOn(be), x.shape, y.dataOn(be), y.shape, shape));
}

/**
 * Unary primitive `op` with gradient `grad(dy, input, out)`. `alpha` is the
 * parameter of leakyRelu and elu.
 */
export function unaryWithGrad(
  op: UnaryOp,
  x: TensorLike,
  grad: (dy: Tensor, input: Tensor, out: Tensor) => Tensor,
  alpha?: number,
): Tensor {
  const input = toFloat(x);
  const be = currentBackend();
  const out = compute(op, input.shape, "float32", () => be.unary(op, input.dataOn(be), input.size, alpha));
  return record(op, out, [input], (dy) => [grad(dy, input, out)]);
}
