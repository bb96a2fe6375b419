/**
 * The wasm backend's fused recurrent scan (Backend.recurrentScan: the LSTM's,
 * the GRU's and the SimpleRNN's forward and backpropagation through time in
 * float32) against the float64
 * loops of runtime/ops/scan.ts that it replaces (the same wasm backend with
 * its fused kernels off, so both read the same float32 operands), within a
 * stated tolerance; the cases it leaves to those loops; and repeatability
 * bit for bit, run after run and across thread counts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerBackend } from "../../runtime/backend/registry";
import { WasmBackend } from "../../runtime/backend/wasm/backend";
import { PARALLEL_MIN_MACS as SCAN_PARALLEL_MIN_MACS } from "../../runtime/backend/wasm/recurrent";
import "../../runtime/backend/wasm/register";
import { keras, layers, type Layer } from "../../runtime/keras/index";
import { unroll } from "../../runtime/keras/recurrent/unroll";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { buildWasmKernels, worstError } from "./kernels_build";

// float32 gates and states against float64 over up to 36 steps, in units of (1 + |value|): outputs and
// input gradients within 5e-7, the weights' gradients (float32 sums of batch x time products, float64
// ones in the loops) up to 2.1e-6 (the SimpleRNN's recurrent kernel at 32 x 36); 5e-6 leaves room for
// the other SIMD build and other seeds.
const SCAN_TOL = 5e-6;

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

type CellName = "LSTM" | "GRU" | "SimpleRNN";
const STATES: Record<CellName, number> = { LSTM: 2, GRU: 1, SimpleRNN: 1 };

/** A recurrent layer over random inputs from random initial states, and the gradients of a weighted sum of its output. */
function scanRun(backend: string, cell: CellName, c: Case): Float32Array[] {
  nn.setBackend(backend);
  nn.seed(3);
  const layer = layers[cell](c.units, c.options);
  const x = nn.randn([c.batch, c.time, c.features]);
  const initial = Array.from({ length: STATES[cell] }, () => nn.randn([c.batch, c.units]));
  for (const t of [x, ...initial]) t.requiresGrad = true;
  const rows = Array.from({ length: c.batch }, (_, b) =>
    Array.from({ length: c.time }, (_, t) => (t < c.time - (b % 3) ? 1 : 0)),
  );
  const mask = c.masked ? nn.tensor(rows) : undefined;
  const y = layer(x, { mask, initialState: initial });
  y.mul(nn.randn(y.shape)).sum().backward();
  const weights = layer.weights.map((w) => w.value.grad!);
  return [y, x.grad!, ...initial.map((t) => t.grad!), ...weights].map((t: Tensor) => Float32Array.from(t.dataSync()));
}

/** What scanRun returns, by name. */
function names(cell: CellName): string[] {
  const states = cell === "LSTM" ? ["initial h", "initial c"] : ["initial h"];
  return ["output", "input", ...states, "kernel", "recurrent kernel", "bias"];
}

for (const cell of ["LSTM", "GRU", "SimpleRNN"] as const) {
  describe(`the fused ${cell} scan`, () => {
    for (const c of CASES) {
      it(`${c.name}: outputs and every gradient within ${SCAN_TOL} of the float64 loops`, () => {
        const spy = vi.spyOn(WasmBackend.prototype, "recurrentScanBackward");
        const fused = scanRun("wasm", cell, c);
        expect(spy).toHaveBeenCalledTimes(1);
        spy.mockRestore();
        const loops = scanRun("wasm-loops", cell, c);
        names(cell).forEach((name, i) => expect(worstError(fused[i], loops[i], SCAN_TOL), name).toBeLessThan(1));
        // The comparison is not vacuous: the recurrent kernel's gradient is there.
        expect(fused[fused.length - 2].some((v) => v !== 0)).toBe(true);
      });
    }
  });
}

describe("the fused scan", () => {
  it("repeats bit for bit run after run, and on 1, 2 or 3 threads", () => {
    // Big enough that the scan is split across threads, small enough that the bias gradient's sum over
    // batch x time rows stays on one thread (a reduction that long is split, and rounds by thread count).
    const c: Case = { ...CASES[2], name: "threaded", batch: 16, units: 52 };
    expect(c.batch * c.time * c.units * 3 * c.units).toBeGreaterThanOrEqual(SCAN_PARALLEL_MIN_MACS);
    for (const cell of ["LSTM", "GRU"] as const) {
      const first = scanRun("wasm", cell, c);
      expect(scanRun("wasm", cell, c)).toEqual(first);
      expect(scanRun("wasm-1", cell, c)).toEqual(first);
      expect(scanRun("wasm-3", cell, c)).toEqual(first);
    }
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

  it("runs a GRU without bias fused, and leaves other activations (relu) to the loops", () => {
    const run = (backend: string, make: () => Layer) => {
      nn.setBackend(backend);
      nn.seed(2);
      const layer = make();
      const x = nn.randn([4, 6, 3]);
      x.requiresGrad = true;
      const spy = vi.spyOn(WasmBackend.prototype, "recurrentScan");
      const y = layer(x);
      y.mul(nn.randn(y.shape)).sum().backward();
      const fusedCalls = spy.mock.calls.length;
      spy.mockRestore();
      const values = [y, x.grad!, ...layer.weights.map((w) => w.value.grad!)].map((t) =>
        Float32Array.from(t.dataSync()),
      );
      return { values, fusedCalls };
    };
    const noBias = () => layers.GRU(5, { useBias: false, returnSequences: true });
    const fused = run("wasm", noBias);
    expect(fused.fusedCalls).toBe(1);
    const loops = run("wasm-loops", noBias);
    fused.values.forEach((v, i) => expect(worstError(v, loops.values[i], SCAN_TOL)).toBeLessThan(1));
    for (const make of [
      () => layers.SimpleRNN(5, { activation: "relu" }),
      () => layers.GRU(5, { activation: "relu" }),
    ]) {
      const relu = run("wasm", make);
      expect(relu.fusedCalls).toBe(0);
      expect(relu.values).toEqual(run("wasm-loops", make).values);
    }
  });

  it("runs both directions of a Bidirectional LSTM, within the tolerance of the loops", () => {
    const run = (backend: string) => {
      nn.setBackend(backend);
      nn.seed(5);
      const layer = layers.Bidirectional(layers.LSTM(5, { returnSequences: true }));
      const x = nn.randn([6, 9, 3]);
      x.requiresGrad = true;
      const y = layer(x);
      y.mul(nn.randn(y.shape)).sum().backward();
      return [y, x.grad!, ...layer.weights.map((w) => w.value.grad!)].map((t: Tensor) =>
        Float32Array.from(t.dataSync()),
      );
    };
    const spy = vi.spyOn(WasmBackend.prototype, "recurrentScanBackward");
    const fused = run("wasm");
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    const loops = run("wasm-loops");
    fused.forEach((values, i) => expect(worstError(values, loops[i], SCAN_TOL)).toBeLessThan(1));
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
