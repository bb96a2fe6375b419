/**
 * Activation functions and softmax, with their gradients. Softmax and
 * logSoftmax subtract the maximum first, so large logits do not overflow.
 */
import { isGradEnabled, noGrad, record } from "../autograd";
import { currentBackend } from "../backend/registry";
import { compute, type Tensor, type TensorLike } from "../tensor/core";
import { add, div, exp, erf, gt, log, mul, square, sub, unaryWithGrad, where } from "./math";
import { normalizeAxis, toFloat, unbroadcast } from "./operands";
import { rowKernelFits } from "./normalization";
import { max, sum } from "./reduce";

export function tanh(x: TensorLike): Tensor {
  return unaryWithGrad("tanh", x, (dy, _input, out) => mul(dy, sub(1, square(out))));
}

export function sigmoid(x: TensorLike): Tensor {
  return unaryWithGrad("sigmoid", x, (dy, _input, out) => mul(dy, mul(out, sub(1, out))));
}

export function relu(x: TensorLike): Tensor {
  return unaryWithGrad("relu", x, reluGrad);
}

/**
 * relu's gradient dy * (x > 0): one backend pass where the backend has one
 * (Backend.reluBackward, the same values) and no graph is being recorded
 * through the gradient; else the composed ops.
 */
function reluGrad(dy: Tensor, x: Tensor): Tensor {
  const be = currentBackend();
  if (!be.reluBackward || isGradEnabled() || dy.size !== x.size) return mul(dy, gt(x, 0));
  return compute("reluBackward", x.shape, "float32", () => be.reluBackward!(dy.dataOn(be), x.dataOn(be), x.size));
}

/**
 * relu(x + bias), bias [channels] along x's last axis: a layer's bias and
 * activation. One backend pass where the backend has one (Backend.biasRelu),
 * which also keeps only the output for the gradient (x > 0 where the output
 * is); the values, and the gradients, are those of the composed ops.
 */
export function biasRelu(x: Tensor, bias: Tensor): Tensor {
  const be = currentBackend();
  const channels = bias.size;
  const fits = bias.shape.length === 1 && x.shape.length > 0 && x.shape[x.shape.length - 1] === channels;
  if (!be.biasRelu || !fits || x.dtype !== "float32" || bias.dtype !== "float32" || channels === 0) {
    return relu(add(x, bias));
  }
  const out = compute("biasRelu", x.shape, "float32", () =>
    be.biasRelu!(x.dataOn(be), bias.dataOn(be), x.size / channels, channels),
  );
  return record("biasRelu", out, [x, bias], (dy) => {
    const dz = reluGrad(dy, out);
    return [dz, unbroadcast(dz, bias.shape)];
  });
}

/** x for x >= 0, alpha * x below (alpha 0.2 as in tf.nn.leaky_relu). */
export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  return unaryWithGrad("leakyRelu", x, (dy, input) => mul(dy, where(gt(input, 0), 1, alpha)), alpha);
}

/** x for x > 0, alpha * (e^x - 1) below. */
export function elu(x: TensorLike, alpha = 1): Tensor {
  return unaryWithGrad("elu", x, (dy, input, out) => mul(dy, where(gt(input, 0), 1, add(out, alpha))), alpha);
}

/** ln(1 + e^x), whose derivative is sigmoid(x). */
export function softplus(x: TensorLike): Tensor {
  return unaryWithGrad("softplus", x, (dy, input) => mul(dy, sigmoid(input)));
}

/** The exact GELU, x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (Keras's default, approximate=False). */
export function gelu(x: TensorLike): Tensor {
  const t = toFloat(x);
  return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
}

/** e^x / sum(e^x) along `axis`. */
export function softmax(x: TensorLike, axis = -1): Tensor {
  return rowSoftmax(
    "softmax",
    x,
    axis,
    (input, ax) => {
      const e = exp(sub(input, max(input, ax, true)));
      return div(e, sum(e, ax, true));
    },
    // dx = y * (dy - sum(dy * y))
    (dy, out, ax) => mul(out, sub(dy, sum(mul(dy, out), ax, true))),
  );
}

/** x - logSumExp(x) along `axis`: the log of softmax without its underflow. */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  return rowSoftmax(
    "logSoftmax",
    x,
    axis,
    (input, ax) => {
      const shifted = sub(input, max(input, ax, true));
      return sub(shifted, log(sum(exp(shifted), ax, true)));
    },
    // dx = dy - softmax * sum(dy)
    (dy, out, ax) => sub(dy, mul(exp(out), sum(dy, ax, true))),
  );
}

/**
 * softmax or logSoftmax: the backend's fused kernels (Backend.softmax, softmaxBackward,
 * logSoftmaxBackward) where they apply, which give the bits of `composed` and `grad`; else those.
 */
function rowSoftmax(
  op: "softmax" | "logSoftmax",
  x: TensorLike,
  axis: number,
  composed: (input: Tensor, ax: number) => Tensor,
  grad: (dy: Tensor, out: Tensor, ax: number) => Tensor,
): Tensor {
  const input = toFloat(x);
  const ax = normalizeAxis(op, axis, input.rank);
  const rows = fusedSoftmaxRows(input, ax);
  const be = currentBackend();
  const dim = input.shape[ax];
  const log = op === "logSoftmax";
  const out =
    rows === null
      ? noGrad(() => composed(input, ax))
      : compute(op, input.shape, "float32", () => be.softmax!(input.dataOn(be), rows, dim, log));
  const hasFusedGrad = log ? be.logSoftmaxBackward !== undefined : be.softmaxBackward !== undefined;
  return record(op, out, [input], (dy) => {
    if (rows === null || !hasFusedGrad || isGradEnabled()) return [grad(dy, out, ax)];
    return [
      compute(`${op} backward`, input.shape, "float32", () => {
        const [d, y] = [dy.dataOn(be), out.dataOn(be)];
        return log ? be.logSoftmaxBackward!(d, y, rows, dim) : be.softmaxBackward!(d, y, rows, dim);
      }),
    ];
  });
}

/**
 * The number of rows when softmax over `ax` can run as the backend's fused kernel (Backend.softmax:
 * the last axis, float32, not empty, and rows that the kernel sums as the composed ops do), else null.
 */
function fusedSoftmaxRows(input: Tensor, ax: number): number | null {
  const be = currentBackend();
  const dim = input.shape[ax];
  if (!be.softmax || ax !== input.rank - 1 || input.dtype !== "float32" || dim === 0 || input.size === 0) return null;
  const rows = input.size / dim;
  return rowKernelFits(rows, input.size) ? rows : null;
}
