/**
 * A small CNN whose loss and gradients a test computes on two backends and
 * compares: conv, bias, relu, max pool ("same"), strided conv, tanh, average
 * pool, dense and log-softmax cross-entropy, so that every conv and pool
 * primitive and its backward pass takes part.
 */
import { expect } from "vitest";
import { setBackend } from "../../runtime/backend/registry";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";

/** The loss and the gradient of every input, computed on `backendName`. */
export function convNetGradients(backendName: string): Record<string, Float32Array> {
  setBackend(backendName);
  const leaf = (shape: number[], seed: number): Tensor =>
    nn.tensor(
      pseudoRandom(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      shape,
      { requiresGrad: true },
    );
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

/** Asserts every value of `ours` is within atol + rtol * |reference| of the reference's. */
export function expectGradientsClose(
  ours: Record<string, Float32Array>,
  reference: Record<string, Float32Array>,
  rtol: number,
  atol: number,
): void {
  expect(Object.keys(ours)).toEqual(Object.keys(reference));
  for (const [name, want] of Object.entries(reference)) {
    const got = ours[name];
    expect(got.length, `${name}: length`).toBe(want.length);
    for (let i = 0; i < want.length; i++) {
      const allowed = atol + rtol * Math.abs(want[i]);
      if (!(Math.abs(got[i] - want[i]) <= allowed)) {
        expect.fail(`${name}[${i}]: gpu.js gives ${got[i]}, the reference ${want[i]} (allowed difference ${allowed})`);
      }
    }
  }
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
