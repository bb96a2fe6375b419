import { afterAll, describe, expect, it } from "vitest";
import { setBackend } from "../../runtime/backend/registry";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { CPU_MODES, gpujsBackendName } from "./modes";

/**
 * Gradients of a small CNN (conv, bias, relu, max pool, strided conv, tanh,
 * average pool, dense, log-softmax cross-entropy) computed by backward() on
 * the gpu.js backend against the same network on the float64 reference.
 * The gpu.js side computes in float32 through a dozen primitives and their
 * backward passes, so each gradient element may differ by the float32
 * rounding those accumulate: rtol 1e-3 and atol 1e-5 (a float32 sum of n
 * terms is off by about n * 6e-8 relative in the worst case; the longest
 * sums here have a few hundred terms).
 */
const RTOL = 1e-3;
const ATOL = 1e-5;

afterAll(() => {
  setBackend("reference");
});

describe.each(CPU_MODES)("gpu.js %s mode", (mode) => {
  it("computes the loss and every gradient of a small conv net as the reference does", () => {
    const ours = convNetGradients(gpujsBackendName(mode));
    const reference = convNetGradients("reference");
    expect(Object.keys(ours)).toEqual(Object.keys(reference));
    for (const [name, want] of Object.entries(reference)) {
      expectClose(name, ours[name], want);
    }
  });
});

/** The loss and the gradient of every input, computed on `backendName`. */
function convNetGradients(backendName: string): Record<string, Float32Array> {
  setBackend(backendName);
  const leaf = (shape: number[], seed: number): Tensor =>
    nn.tensor(pseudoRandom(shape.reduce((a, b) => a * b, 1), seed), shape, { requiresGrad: true });
  const x = leaf([2, 9, 9, 2], 1);
  const w1 = leaf([3, 3, 2, 4], 2);
  const b1 = leaf([4], 3);
  const w2 = leaf([3, 3, 4, 3], 4);
  const w3 = leaf([3, 5], 5);
  const labels = nn.oneHot([1, 4], 5);

  const h1 = nn.relu(nn.add(nn.conv2d(x, w1, { padding: "same" }), b1)); // [2, 9, 9, 4]
  const p1 = nn.maxPool2d(h1, 2, { padding: "same" }); // [2, 5, 5, 4]
  const h2 = nn.tanh(nn.conv2d(p1, w2, { strides: 2, padding: "valid" })); // [2, 2, 2, 3]
  const p2 = nn.avgPool2d(h2, 2).reshape([2, 3]);
  const logits = nn.matmul(p2, w3);
  const loss = nn.neg(nn.mean(nn.sum(nn.mul(nn.logSoftmax(logits), labels), -1)));
  loss.backward();

  const grads: Record<string, Float32Array> = { loss: loss.dataSync() as Float32Array };
  for (const [name, t] of Object.entries({ x, w1, b1, w2, w3 })) {
    if (!t.grad) throw new Error(`no gradient reached ${name}`);
    grads[name] = t.grad.dataSync() as Float32Array;
  }
  return grads;
}

function pseudoRandom(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed * 7919;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648) * 2 - 1;
  }
  return out;
}

function expectClose(name: string, got: Float32Array, want: Float32Array): void {
  expect(got.length, `${name}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const allowed = ATOL + RTOL * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= allowed)) {
      expect.fail(`${name}[${i}]: gpu.js gives ${got[i]}, the reference ${want[i]} (allowed difference ${allowed})`);
    }
  }
}
