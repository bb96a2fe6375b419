/**
 * The wasm backend's fused kernels (Adam's step, dropout's mask) against the
 * same float32 operations composed from primitives (bit for bit) and against
 * the float64 reference backend (within a stated tolerance), and a training
 * run that repeats exactly under nn.seed with them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerBackend } from "../../runtime/backend/registry";
import { WasmBackend } from "../../runtime/backend/wasm/backend";
import "../../runtime/backend/wasm/register";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import { biasRelu } from "../../runtime/ops/activation";
import { dropoutMask } from "../../runtime/ops/dropout";
import type { Tensor } from "../../runtime/tensor";
import { buildWasmKernels, randomValues, worstError } from "./kernels_build";

// Adam's few float32 operations per element against float64: a few float32 ulps
// of the weights' scale (the step's division and square root add one each).
const ADAM_TOL = 1e-6;

beforeAll(() => {
  buildWasmKernels();
  registerBackend({ name: "wasm-composed", priority: -1, create: () => new WasmBackend(2, { fused: false }) });
});
afterAll(() => void nn.setBackend("auto"));

/** Three Adam steps on a 1,000-value weight from fixed gradients, on `backend`: the weights after them. */
function adamRun(backend: string): Float32Array[] {
  nn.setBackend(backend);
  const w = nn.tensor(randomValues(1000, 1), [10, 100]);
  const adam = keras.optimizers.Adam({ learningRate: 0.01 });
  for (let step = 0; step < 3; step++) {
    const g = nn.tensor(randomValues(1000, 10 + step), [10, 100]);
    adam.applyGradients([[g, w]]);
    g.dispose();
  }
  const out = [Float32Array.from(w.dataSync())];
  w.dispose();
  return out;
}

describe("fused Adam step", () => {
  it("gives the composed ops' float32 results bit for bit", () => {
    expect(adamRun("wasm")).toEqual(adamRun("wasm-composed"));
  });

  it("matches the float64 reference backend within a few float32 ulps", () => {
    const [fused] = adamRun("wasm");
    const [reference] = adamRun("reference");
    expect(worstError(fused, reference, ADAM_TOL)).toBeLessThan(1);
  });
});

/** A dropout mask under nn.seed(7), then one more draw: the mask and where the generator went on to. */
function maskRun(backend: string, rate = 0.3, size = 4099): { mask: Float32Array; next: Float32Array } {
  nn.setBackend(backend);
  nn.seed(7);
  const mask = dropoutMask([size], rate);
  const after = nn.rand([5]);
  const out = { mask: Float32Array.from(mask.dataSync()), next: Float32Array.from(after.dataSync()) };
  nn.dispose([mask, after]);
  return out;
}

describe("dropout mask drawn in wasm", () => {
  it("gives the composed ops' values and leaves the generator where they leave it", () => {
    expect(maskRun("wasm")).toEqual(maskRun("wasm-composed"));
  });

  // The kernel compares the draw against keep * 2^24 without a branch: the same cut at any keep.
  it("keeps exactly the composed ops' positions at rates near 0, 1/2 and 1, and a rate whose keep is not a float32", () => {
    for (const rate of [0.001, 0.1, 0.5, 0.9, 0.999, 1 / 3]) {
      const fused = maskRun("wasm", rate, 70001);
      expect(fused, `rate ${rate}`).toEqual(maskRun("wasm-composed", rate, 70001));
      expect(fused.mask.some((x) => x === 0) && fused.mask.some((x) => x !== 0), `rate ${rate}`).toBe(true);
    }
  });

  it("drops the same positions as the reference backend, keeping 1 / (1 - rate)", () => {
    const wasm = maskRun("wasm");
    const reference = maskRun("reference");
    expect(wasm.mask.map((x) => (x === 0 ? 0 : 1))).toEqual(reference.mask.map((x) => (x === 0 ? 0 : 1)));
    expect(wasm.mask.find((x) => x !== 0)).toBe(Math.fround(1 / Math.fround(0.7)));
    const dropped = wasm.mask.filter((x) => x === 0).length / wasm.mask.length;
    expect(dropped).toBeGreaterThan(0.27);
    expect(dropped).toBeLessThan(0.33);
    expect(wasm.next).toEqual(reference.next);
  });
});

/** relu(x + bias) on [6, 5, 7] and its gradients through a weighted sum, on `backend`. */
function biasReluRun(backend: string): Float32Array[] {
  nn.setBackend(backend);
  const x = nn.tensor(randomValues(210, 3), [6, 5, 7]);
  const bias = nn.tensor(randomValues(7, 4), [7]);
  const weights = nn.tensor(randomValues(210, 5), [6, 5, 7]);
  x.requiresGrad = true;
  bias.requiresGrad = true;
  const y = biasRelu(x, bias);
  y.mul(weights).sum().backward();
  const out = [y, x.grad!, bias.grad!].map((t) => Float32Array.from(t.dataSync()));
  nn.dispose([x, bias, weights, y]);
  return out;
}

describe("bias + relu in one pass, and relu's gradient in one", () => {
  it("gives the composed ops' values and gradients bit for bit", () => {
    expect(biasReluRun("wasm")).toEqual(biasReluRun("wasm-composed"));
  });

  it("matches the float64 reference backend (values and gradients) within a few float32 ulps", () => {
    const wasm = biasReluRun("wasm");
    const reference = biasReluRun("reference");
    // The bias gradient sums 30 products: a few more ulps than the elementwise values.
    wasm.forEach((got, i) => expect(worstError(got, reference[i], 1e-6)).toBeLessThan(i === 2 ? 30 : 1));
    expect(wasm[0].some((v) => v === 0) && wasm[0].some((v) => v > 0)).toBe(true);
  });
});

/** Two fits of a small conv net (bias + relu) with dropout under nn.seed(11): the final weights. */
async function fitRun(backend: string): Promise<Float32Array[]> {
  nn.setBackend(backend);
  nn.seed(11);
  const x = nn.rand([64, 8, 8, 1]);
  const y = nn.randint(0, 3, [64]);
  const model = keras.Sequential([
    keras.Input({ shape: [8, 8, 1] }),
    layers.Conv2D(4, { kernelSize: [3, 3], activation: "relu" }),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(3, { activation: "softmax" }),
  ]);
  model.compile({ optimizer: "adam", loss: "sparse_categorical_crossentropy" });
  await model.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0 });
  const weights = model.getWeights().map((w: Tensor) => Float32Array.from(w.dataSync()));
  nn.dispose([x, y]);
  return weights;
}

describe("training with the fused kernels", () => {
  it("repeats bit for bit under nn.seed on two threads, and equals the composed path", async () => {
    const first = await fitRun("wasm");
    expect(await fitRun("wasm")).toEqual(first);
    expect(await fitRun("wasm-composed")).toEqual(first);
  });
});
