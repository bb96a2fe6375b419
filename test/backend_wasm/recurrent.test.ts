/**
 * The wasm backend's fused recurrent scan (Backend.recurrentScan, the LSTM's
 * forward and backpropagation through time in float32) against the float64
 * loops of runtime/ops/scan.ts that it replaces (the same wasm backend with
 * its fused kernels off, so both read the same float32 operands), within a
 * stated tolerance; the cases it leaves to those loops; and repeatability
 * bit for bit, run after run and across thread counts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerBackend } from "../../runtime/backend/registry";
import { WasmBackend } from "../../runtime/backend/wasm/backend";
import "../../runtime/backend/wasm/register";
import { keras, layers } from "../../runtime/keras/index";
import { unroll } from "../../runtime/keras/recurrent/unroll";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { buildWasmKernels, worstError } from "./kernels_build";

// float32 gates and states against float64 over up to 36 steps: measured up to 5e-7 of (1 + |value|)
// (the kernels' gradients, which sum batch x time products); 2e-6 leaves room for the other SIMD build.
const SCAN_TOL = 2e-6;

beforeAll(() => {
  buildWasmKernels();
  registerBackend({ name: "wasm-loops", priority: -1, create: () => new WasmBackend(2, { fused: false }) });
  registerBackend({ name: "wasm-1", priority: -1, create: () => new WasmBackend(1) });
  registerBackend({ name: "wasm-3", priority: -1, create: () => new WasmBackend(3) });
});
afterAll(() => void nn.setBackend("auto"));

interface Case {
  name: string;
  options: { returnSequences?: boolean; goBackwards?: boolean };
  batch: number;
  time: number;
  features: number;
  units: number;
  /** Pad the last (row % 3) steps of each row. */
  masked: boolean;
}

const CASES: Case[] = [
  {
    name: "sequences out, 6 units",
    options: { returnSequences: true },
    batch: 5,
    time: 7,
    features: 3,
    units: 6,
    masked: false,
  },
  {
    name: "goBackwards with a mask, 3 units",
    options: { returnSequences: true, goBackwards: true },
    batch: 5,
    time: 7,
    features: 3,
    units: 3,
    masked: true,
  },
  { name: "the bench's shape, last output", options: {}, batch: 32, time: 36, features: 8, units: 16, masked: false },
  {
    name: "last output, goBackwards, mask, 13 units",
    options: { goBackwards: true },
    batch: 9,
    time: 11,
    features: 4,
    units: 13,
    masked: true,
  },
];

/** An LSTM over random inputs from random initial states, and the gradients of a weighted sum of its output. */
function lstmRun(backend: string, c: Case): Float32Array[] {
  nn.setBackend(backend);
  nn.seed(3);
  const layer = layers.LSTM(c.units, c.options);
  const x = nn.randn([c.batch, c.time, c.features]);
  const h0 = nn.randn([c.batch, c.units]);
  const c0 = nn.randn([c.batch, c.units]);
  for (const t of [x, h0, c0]) t.requiresGrad = true;
  const rows = Array.from({ length: c.batch }, (_, b) =>
    Array.from({ length: c.time }, (_, t) => (t < c.time - (b % 3) ? 1 : 0)),
  );
  const mask = c.masked ? nn.tensor(rows) : undefined;
  const y = layer(x, { mask, initialState: [h0, c0] });
  y.mul(nn.randn(y.shape)).sum().backward();
  const weights = layer.weights.map((w) => w.value.grad!);
  return [y, x.grad!, h0.grad!, c0.grad!, ...weights].map((t: Tensor) => Float32Array.from(t.dataSync()));
}

const NAMES = ["output", "input", "initial h", "initial c", "kernel", "recurrent kernel", "bias"];

describe("the fused LSTM scan", () => {
  for (const c of CASES) {
    it(`${c.name}: outputs and every gradient within ${SCAN_TOL} of the float64 loops`, () => {
      const spy = vi.spyOn(WasmBackend.prototype, "recurrentScanBackward");
      const fused = lstmRun("wasm", c);
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      const loops = lstmRun("wasm-loops", c);
      NAMES.forEach((name, i) => expect(worstError(fused[i], loops[i], SCAN_TOL), name).toBeLessThan(1));
      // The comparison is not vacuous: the gradients are there.
      expect(fused[5].some((v) => v !== 0)).toBe(true);
    });
  }

  it("repeats bit for bit run after run, and on 1, 2 or 3 threads", () => {
    const c = CASES[2];
    const first = lstmRun("wasm", c);
    expect(lstmRun("wasm", c)).toEqual(first);
    expect(lstmRun("wasm-1", c)).toEqual(first);
    expect(lstmRun("wasm-3", c)).toEqual(first);
  });

  it("leaves a scan whose step gradients are watched to the float64 loops, with their results", () => {
    const run = (backend: string) => {
      nn.setBackend(backend);
      nn.seed(4);
      const layer = layers.LSTM(4, { returnSequences: true });
      const x = nn.randn([3, 5, 2]);
      layer(x);
      const spy = vi.spyOn(WasmBackend.prototype, "recurrentScan");
      const steps: number[][] = [];
      const input = nn.tensor(x.dataSync(), [3, 5, 2], { requiresGrad: true });
      const out = unroll(layer.cell, input, { onStateGradient: (t, g) => (steps[t] = Array.from(g.dataSync())) });
      out.sequence.sum().backward();
      const fusedCalls = spy.mock.calls.length;
      spy.mockRestore();
      return { steps, grad: Array.from(input.grad!.dataSync()), fusedCalls };
    };
    const watched = run("wasm");
    expect(watched.fusedCalls).toBe(0);
    expect(watched).toEqual(run("wasm-loops"));
    expect(watched.steps).toHaveLength(5);
  });

  it("trains the same weights twice under nn.seed", async () => {
    const fit = async () => {
      nn.setBackend("wasm");
      nn.seed(11);
      const x = nn.randn([48, 10, 3]);
      const y = nn.randint(0, 2, [48]);
      const model = keras.Sequential([
        keras.Input({ shape: [10, 3] }),
        layers.LSTM(8),
        layers.Dense(2, { activation: "softmax" }),
      ]);
      model.compile({ optimizer: "adam", loss: "sparse_categorical_crossentropy" });
      await model.fit(x, y, { batchSize: 16, epochs: 2, verbose: 0 });
      return model.getWeights().map((w: Tensor) => Float32Array.from(w.dataSync()));
    };
    expect(await fit()).toEqual(await fit());
  });
});
