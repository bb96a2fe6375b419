/**
 * Gradient checking for any op on any backend: the analytic gradient (from
 * backward() on the backend under test) against central finite differences
 * computed in float64 on the reference backend.
 *
 *   expectGradientsMatch((a, b) => nn.mul(a, b), [nn.randn([2, 3]), nn.randn([3])]);
 *
 * The function's output is projected onto fixed random weights
 * (loss = sum(out * w)), so every output element takes part with a distinct
 * weight and one backward() gives the whole vector-Jacobian product.
 */
import { expect } from "vitest";
import { currentBackend, getBackend, setBackend } from "../../runtime/backend/registry";
import type { ReferenceBackend } from "../../runtime/backend/reference";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";

export interface GradcheckOptions {
  /** Backend that computes the analytic gradient (default: the current one). */
  backend?: string;
  /** Finite-difference step (default 1e-6: the reference computes in float64). */
  eps?: number;
  /** Allowed |analytic - numeric| is atol + rtol * |numeric| (defaults 1e-5 and 1e-4). */
  atol?: number;
  rtol?: number;
  /** Inputs (by position) that get no gradient check, such as integer indices. */
  constant?: readonly number[];
}

export interface GradcheckMismatch {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

/** Asserts that every checked input's gradient matches finite differences; the message names the worst element. */
export function expectGradientsMatch(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): void {
  const mismatch = gradcheck(fn, inputs, options);
  expect(mismatch, mismatch ? describeMismatch(mismatch) : "").toBeNull();
}

/** The worst gradient element outside tolerance, or null when all match. */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): GradcheckMismatch | null {
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-4;
  const constant = new Set(options.constant ?? []);
  const values = inputs.map((t) => Float64Array.from(t.dataSync()));
  const checked = inputs.map((t, i) => !constant.has(i) && t.dtype === "float32");
  const previous = currentBackend().name;
  try {
    const analytic = withBackend(options.backend ?? previous, () => analyticGradients(fn, inputs, values, checked));
    const numeric = withBackend("reference", () => numericGradients(fn, inputs, values, checked, eps));
    let worst: GradcheckMismatch | null = null;
    let worstExcess = 0;
    numeric.forEach((grad, input) => {
      if (!grad) return;
      const got = analytic[input]!;
      for (let index = 0; index < grad.length; index++) {
        const excess = Math.abs(got[index] - grad[index]) - (atol + rtol * Math.abs(grad[index]));
        if (excess > worstExcess || Number.isNaN(got[index]) !== Number.isNaN(grad[index])) {
          worstExcess = Number.isNaN(excess) ? Infinity : excess;
          worst = { input, index, analytic: got[index], numeric: grad[index] };
        }
      }
    });
    return worst;
  } finally {
    setBackend(previous);
  }
}

function analyticGradients(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  values: Float64Array[],
  checked: boolean[],
): (Float64Array | null)[] {
  const leaves = inputs.map((t, i) =>
    nn.tensor(t.dtype === "int32" ? Int32Array.from(values[i]) : Float32Array.from(values[i]), [...t.shape], {
      dtype: t.dtype,
      requiresGrad: checked[i],
    }),
  );
  const out = fn(...leaves);
  const loss = nn.sum(nn.mul(out, nn.tensor(projection(out.size), [...out.shape])));
  loss.backward();
  return leaves.map((leaf, i) => {
    if (!checked[i]) return null;
    return leaf.grad ? Float64Array.from(leaf.grad.dataSync()) : new Float64Array(leaf.size);
  });
}

function numericGradients(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  values: Float64Array[],
  checked: boolean[],
  eps: number,
): (Float64Array | null)[] {
  const reference = getBackend("reference") as ReferenceBackend;
  const evaluate = (current: Float64Array[]): number =>
    nn.noGrad(() => {
      const args = inputs.map((t, i) =>
        nn.tensor(t.dtype === "int32" ? Int32Array.from(current[i]) : current[i], [...t.shape], { dtype: t.dtype }),
      );
      const out = fn(...args);
      const data = reference.readFloat64(out.dataOn(reference) as Float64Array, out.size);
      const w = projection(out.size);
      let total = 0;
      for (let k = 0; k < data.length; k++) total += data[k] * w[k];
      return total;
    });
  return inputs.map((_, i) => {
    if (!checked[i]) return null;
    const grad = new Float64Array(values[i].length);
    for (let j = 0; j < grad.length; j++) {
      const plus = values.map((v) => Float64Array.from(v));
      const minus = values.map((v) => Float64Array.from(v));
      plus[i][j] += eps;
      minus[i][j] -= eps;
      grad[j] = (evaluate(plus) - evaluate(minus)) / (2 * eps);
    }
    return grad;
  });
}

/** Fixed weights in [0.5, 1.5) with varied values, identical on every call (exact in float32). */
function projection(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let k = 0; k < n; k++) w[k] = 0.5 + ((k * 37 + 11) % 64) / 64;
  return w;
}

function withBackend<T>(name: string, fn: () => T): T {
  setBackend(name);
  return fn();
}

function describeMismatch(m: GradcheckMismatch): string {
  return `gradient of input ${m.input} at flat index ${m.index}: analytic ${m.analytic}, finite differences ${m.numeric}`;
}
