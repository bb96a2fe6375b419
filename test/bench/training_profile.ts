/**
 * Where one lecture-CNN training step (batch 128, Adam) spends its time:
 * every call into the backend is timed by primitive and shape, and the rest
 * of the step (op layer, autograd, Keras, the JS around them) is what remains
 * of the step's wall time. Run it alone, on a quiet machine:
 *
 *   node dist/test/bench/training_profile.js            # the table
 *   node --cpu-prof dist/test/bench/training_profile.js  # plus a V8 profile of the main thread
 *
 * Backend primitives are synchronous (the wasm backend's worker threads
 * finish before a call returns), so wall time per call is that primitive's cost.
 */
import { performance } from "node:perf_hooks";
import type { Backend, Conv2DGeometry, Pool2DGeometry } from "../../runtime/backend/backend";
import { currentBackend } from "../../runtime/backend/registry";
import { keras } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import { lectureCnn } from "../keras/lecture_cnn";

const BATCH = 128;
const WARMUP = 3;
const PROFILED = 20;

/** Trains the warm-up and profiled batches and returns the per-step table. */
export async function profileTrainingStep(): Promise<string> {
  nn.seed(0);
  const [[images, labels]] = keras.datasets.mnist.loadData();
  const n = (WARMUP + PROFILED) * BATCH;
  const x = images.slice([0, 0, 0], [n, 28, 28]).reshape([n, 28, 28, 1]).div(255);
  const y = keras.utils.toCategorical(labels.slice([0], [n]), 10);
  const model = lectureCnn();
  model.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });
  const timer = instrument(currentBackend());
  let started = 0;
  const hooks = {
    onBatchBegin: (batch: number): void => {
      if (batch === WARMUP) {
        timer.reset();
        started = performance.now();
      }
    },
  };
  await model.fit(x, y, { batchSize: BATCH, epochs: 1, verbose: 0, shuffle: true, callbacks: [hooks] });
  const stepMs = (performance.now() - started) / PROFILED;
  return report(timer.totals, stepMs, currentBackend().info().name);
}

interface Tally {
  ms: number;
  calls: number;
}

/** Methods that are not primitives: reporting, and helpers the primitives call (timing them would count twice). */
const NOT_PRIMITIVES = new Set(["constructor", "info", "memoryUsage", "alloc", "copy", "toRef"]);

/** Replaces the backend's primitives on this instance with timed wrappers. */
function instrument(backend: Backend): { totals: Map<string, Tally>; reset(): void } {
  const totals = new Map<string, Tally>();
  const target = backend as unknown as Record<string, (...args: unknown[]) => unknown>;
  const proto = Object.getPrototypeOf(backend) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (NOT_PRIMITIVES.has(name) || typeof proto[name] !== "function") continue;
    const original = target[name].bind(backend);
    target[name] = (...args: unknown[]): unknown => {
      const t = performance.now();
      const result = original(...args);
      const key = label(name, args);
      const tally = totals.get(key) ?? { ms: 0, calls: 0 };
      tally.ms += performance.now() - t;
      tally.calls++;
      totals.set(key, tally);
      return result;
    };
  }
  return { totals, reset: () => totals.clear() };
}

/** A primitive's name with what tells its calls apart: the op, or the layer's geometry. */
function label(name: string, args: unknown[]): string {
  if (name === "unary" || name === "binary" || name === "reduce" || name === "argReduce")
    return `${name} ${String(args[0])}`;
  if (name.startsWith("conv2d")) {
    const g = args[2] as Conv2DGeometry;
    return `${name} ${g.inHeight}x${g.inWidth}x${g.inChannels}->${g.outChannels}`;
  }
  if (name === "pool2d" || name.endsWith("Pool2dBackward")) {
    const g = args[name === "pool2d" ? 2 : args.length - 1] as Pool2DGeometry;
    return `${name} ${g.inHeight}x${g.inWidth}x${g.channels}`;
  }
  if (name === "matmul")
    return `matmul ${JSON.stringify(args[1])}@${JSON.stringify(args[3])}${args[4] ? " tA" : ""}${args[5] ? " tB" : ""}`;
  return name;
}

function report(totals: Map<string, Tally>, stepMs: number, backend: string): string {
  const rows = [...totals.entries()].map(([key, t]) => ({ key, ms: t.ms / PROFILED, calls: t.calls / PROFILED }));
  rows.sort((a, b) => b.ms - a.ms);
  const inBackend = rows.reduce((s, r) => s + r.ms, 0);
  const line = (name: string, ms: number, calls: string): string =>
    `${name.padEnd(52)}${ms.toFixed(2).padStart(9)}${((100 * ms) / stepMs).toFixed(1).padStart(8)}%${calls.padStart(8)}`;
  return [
    `lecture CNN training step, batch ${BATCH}, backend ${backend}: ${stepMs.toFixed(1)} ms per step (${((BATCH * 1000) / stepMs).toFixed(0)} samples/s), mean of ${PROFILED} steps`,
    "",
    `${"primitive".padEnd(52)}${"ms/step".padStart(9)}${"share".padStart(9)}${"calls".padStart(8)}`,
    ...rows.filter((r) => r.ms >= 0.05).map((r) => line(r.key, r.ms, r.calls.toFixed(0))),
    line(
      "(other primitives, each < 0.05 ms)",
      rows.filter((r) => r.ms < 0.05).reduce((s, r) => s + r.ms, 0),
      "",
    ),
    line("all backend primitives", inBackend, ""),
    line("outside the backend (op layer, autograd, Keras, fit)", stepMs - inBackend, ""),
  ].join("\n");
}

if (require.main === module) {
  profileTrainingStep().then(
    (table) => {
      console.log(table);
      process.exit(0);
    },
    (error: Error) => {
      console.error(error.stack ?? String(error));
      process.exit(1);
    },
  );
}
