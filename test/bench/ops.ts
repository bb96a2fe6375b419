/**
 * Bench section "ops": matmul GFLOP/s and the lecture CNN's two convolutions
 * (forward, and forward + both backward passes) for every nnlab backend and
 * gpu.js mode available, beside TensorFlow.js's cpu and wasm backends in the
 * same process. Figures are medians; each cell also gives the speed relative
 * to tfjs-wasm (above 1x is faster). Nothing here asserts.
 */
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import type * as TfCore from "@tensorflow/tfjs-core";
import { GPU } from "gpu.js";
import type { Backend, Conv2DGeometry } from "../../runtime/backend/backend";
import { GpuJsBackend, type GpuJsMode } from "../../runtime/backend/gpujs/backend";
import { ReferenceBackend } from "../../runtime/backend/reference";
import { getBackend, listBackends } from "../../runtime/backend/registry";

type Tf = typeof TfCore;
type TfTensor = TfCore.Tensor;

/** Runs the section and returns its table (rows are echoed to stderr as they complete). */
export async function runOpBench(): Promise<string> {
  const contestants = [...(await nnlabContestants()), ...(await tfContestants())];
  const lines = [
    "matmul C = A @ B (GFLOP/s, median) and conv2d of the lecture CNN at batch 128 (ms, median);",
    "(0.50x) = speed relative to tfjs-wasm; ~ = extrapolated from a smaller size (see notes)",
    "",
    row(["", ...contestants.map((c) => c.name)]),
  ];
  process.stderr.write(`${lines[lines.length - 1]}\n`);
  const notes = new Set<string>();
  for (const task of TASKS) {
    const results = contestants.map((c) => measure(c, task));
    const baseline = results[contestants.findIndex((c) => c.name === "tfjs-wasm")];
    const cells = results.map((r) => {
      if (r.note) notes.add(r.note);
      if (r.ms === undefined) return "n/a";
      const figure = task.flops ? task.flops / r.ms / 1e6 : r.ms;
      const ratio = baseline?.ms === undefined ? "" : ` (${(baseline.ms / r.ms).toFixed(2)}x)`;
      return `${r.note ? "~" : ""}${figure.toFixed(figure < 10 ? 2 : 1)}${ratio}`;
    });
    lines.push(row([task.label, ...cells]));
    // Progress while the section runs (a few minutes); the report itself goes to stdout once.
    process.stderr.write(`${lines[lines.length - 1]}\n`);
  }
  lines.push("", "notes:", ...NOTES, ...[...notes].map((n) => `- ${n}`));
  return lines.join("\n");
}

interface Task {
  label: string;
  /** Floating-point operations (matmul); absent for convolutions, which report milliseconds. */
  flops?: number;
  kind: "matmul" | "conv forward" | "conv forward+backward";
  n?: number;
  conv?: Conv2DGeometry;
}

const CONV1 = cnnConv(128, 28, 1, 32);
const CONV2 = cnnConv(128, 13, 32, 64);

const TASKS: Task[] = [
  ...[256, 512, 1024].map((n): Task => ({ label: `matmul N=${n} GFLOP/s`, flops: 2 * n ** 3, kind: "matmul", n })),
  { label: "conv1 28x28x1->32 fwd ms", kind: "conv forward", conv: CONV1 },
  { label: "conv2 13x13x32->64 fwd ms", kind: "conv forward", conv: CONV2 },
  { label: "conv1 fwd+bwd ms", kind: "conv forward+backward", conv: CONV1 },
  { label: "conv2 fwd+bwd ms", kind: "conv forward+backward", conv: CONV2 },
];

const NOTES = [
  "- fwd+bwd = forward, input gradient and filter gradient (what a training step runs for a conv layer).",
  "- gpujs-<mode> is the gpu.js backend in that gpu.js mode (webasm: WebAssembly SIMD; cpu: plain JS; headlessgl, when",
  "  an X display is available: GLSL on whatever GL driver serves it), run synchronously (gpu.js uses worker threads",
  "  only for asynchronous calls); reference is the float64 test oracle. Every column reads its results back.",
  "- tfjs-wasm has no Conv2DBackpropFilter kernel: a stand-in registered here computes it as",
  "  im2col (9 tfjs slices stacked) and one tfjs matMul, so its fwd+bwd times include that.",
];

/** One column of the table: something that can time each task. */
interface Contestant {
  name: string;
  /** Prepares inputs for `task` and returns the timed call, or a reason it is not measured. */
  prepare(task: Task): { run: () => void; cleanup: () => void; scale?: number; note?: string } | { skip: string };
}

interface Result {
  ms?: number;
  note?: string;
}

function measure(c: Contestant, task: Task): Result {
  const prepared = c.prepare(task);
  if ("skip" in prepared) return { note: `${c.name}, ${task.label}: ${prepared.skip}` };
  try {
    return { ms: median(prepared.run) * (prepared.scale ?? 1), note: prepared.note };
  } finally {
    prepared.cleanup();
  }
}

/** Time spent per task and contestant; slow calls run once or twice, fast ones up to 20 times. */
const BUDGET_MS = 1000;

/** Median wall time (ms) of `fn`. The first call warms up (compiles, allocates) unless it alone is slow. */
function median(fn: () => void): number {
  const start = performance.now();
  fn();
  const first = performance.now() - start;
  const times = first > BUDGET_MS / 3 ? [first] : [];
  while (times.length < 1 || (performance.now() - start < BUDGET_MS && times.length < 20)) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

// ----- nnlab backends -----

/** Every registered backend (gpu.js in each CPU mode), plus the reference. */
async function nnlabContestants(): Promise<Contestant[]> {
  await registerKnownBackends();
  const out: Contestant[] = [];
  for (const name of listBackends()) {
    if (name === "gpujs") {
      for (const mode of gpujsModes()) out.push(backendContestant(`gpujs-${mode}`, new GpuJsBackend({ mode })));
    } else if (name === "reference") {
      out.push(backendContestant(name, new ReferenceBackend()));
    } else {
      try {
        out.push(backendContestant(name, getBackend(name)));
      } catch (error) {
        console.log(`(backend ${name} cannot run here: ${(error as Error).message})`);
      }
    }
  }
  return out;
}

/** gpu.js's CPU modes, and headlessgl where an X display and the built gl package let it run (`xvfb-run -a npm run bench`). */
function gpujsModes(): GpuJsMode[] {
  return GPU.isHeadlessGLSupported ? ["headlessgl", "webasm", "cpu"] : ["webasm", "cpu"];
}

/** Registration modules of the backends this bench knows; one not built yet is left out. */
async function registerKnownBackends(): Promise<void> {
  for (const module of ["../../runtime/backend/gpujs/register", "../../runtime/backend/wasm/register"]) {
    try {
      await import(module);
    } catch (error) {
      console.log(`(${module} not loaded: ${(error as Error).message.split("\n")[0]})`);
    }
  }
}

function backendContestant(name: string, b: Backend): Contestant {
  return {
    name,
    prepare(task) {
      if (task.kind === "matmul") {
        const n = task.n ?? 0;
        const a = b.upload(filled(n * n), "float32");
        const c = b.upload(filled(n * n), "float32");
        return {
          run: () => readAndRelease(b, b.matmul(a, [1, n, n], c, [1, n, n], false, false, 1), n * n),
          cleanup: () => [a, c].forEach((h) => b.dispose(h)),
        };
      }
      const g = task.conv as Conv2DGeometry;
      const x = b.upload(filled(g.batch * g.inHeight * g.inWidth * g.inChannels), "float32");
      const w = b.upload(filled(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels), "float32");
      const dy = b.upload(filled(g.batch * g.outHeight * g.outWidth * g.outChannels), "float32");
      const forward = (): void =>
        readAndRelease(b, b.conv2d(x, w, g), g.batch * g.outHeight * g.outWidth * g.outChannels);
      const backward = (): void => {
        readAndRelease(b, b.conv2dBackpropInput(dy, w, g), g.batch * g.inHeight * g.inWidth * g.inChannels);
        readAndRelease(
          b,
          b.conv2dBackpropFilter(x, dy, g),
          g.filterHeight * g.filterWidth * g.inChannels * g.outChannels,
        );
      };
      return {
        run: task.kind === "conv forward" ? forward : () => (forward(), backward()),
        cleanup: () => [x, w, dy].forEach((h) => b.dispose(h)),
      };
    },
  };
}

/**
 * Reads a result back before disposing it, as the tfjs columns do with
 * dataSync: a GPU mode may defer work until its output is read.
 */
function readAndRelease(b: Backend, h: object, size: number): void {
  b.read(h, size, "float32");
  b.dispose(h);
}

// ----- TensorFlow.js -----

/** tfjs-cpu and tfjs-wasm, each selected in turn with tf.setBackend before its inputs are made. */
async function tfContestants(): Promise<Contestant[]> {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  const tfWasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
  tfWasm.setWasmPaths(join(dist, "/"));
  registerWasmFilterGradient(tf);
  const out: Contestant[] = [];
  for (const backend of ["cpu", "wasm"] as const) {
    await tf.setBackend(backend);
    await tf.ready();
    out.push(tfContestant(tf, backend));
  }
  return out;
}

/**
 * tfjs-cpu's Conv2DBackpropFilter is a scalar triple loop: 136 s for conv2 at
 * batch 128 here. Its fwd+bwd is timed at batch 2 and scaled by 64 (the work
 * is linear in the batch); its matmul stops at N=512 (N=1024 takes 7 s).
 */
const TFJS_CPU_CONV_BATCH = 2;
const TFJS_CPU_MAX_MATMUL = 512;

function tfContestant(tf: Tf, backend: "cpu" | "wasm"): Contestant {
  return {
    name: `tfjs-${backend}`,
    prepare(task) {
      // Inputs must live on this contestant's backend. For a backend already
      // initialized, setBackend switches synchronously (its promise only reports).
      void tf.setBackend(backend);
      if (task.kind === "matmul") {
        const n = task.n ?? 0;
        if (backend === "cpu" && n > TFJS_CPU_MAX_MATMUL)
          return { skip: `not measured above N=${TFJS_CPU_MAX_MATMUL} (N=1024 takes 7 s)` };
        const a = tf.tensor2d(filled(n * n), [n, n]);
        const b = tf.tensor2d(filled(n * n), [n, n]);
        return { run: () => readAndDispose(tf.matMul(a, b)), cleanup: () => tf.dispose([a, b]) };
      }
      const full = task.conv as Conv2DGeometry;
      const shrink = backend === "cpu" && task.kind === "conv forward+backward";
      const g = shrink ? { ...full, batch: TFJS_CPU_CONV_BATCH } : full;
      const xShape: [number, number, number, number] = [g.batch, g.inHeight, g.inWidth, g.inChannels];
      const wShape: [number, number, number, number] = [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
      const yShape: [number, number, number, number] = [g.batch, g.outHeight, g.outWidth, g.outChannels];
      const [x, w, dy] = [xShape, wShape, yShape].map((s) => tf.tensor4d(filled(s.reduce((p, d) => p * d, 1)), s));
      const attrs = { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dilations: [1, 1] };
      const forward = (): void => readAndDispose(tf.conv2d(x, w, 1, "valid"));
      const backward = (): void => {
        readAndDispose(
          tf.engine().runKernel<TfTensor>("Conv2DBackpropInput", { dy, filter: w }, { ...attrs, inputShape: xShape }),
        );
        readAndDispose(
          tf.engine().runKernel<TfTensor>("Conv2DBackpropFilter", { x, dy }, { ...attrs, filterShape: wShape }),
        );
      };
      return {
        run: task.kind === "conv forward" ? forward : () => (forward(), backward()),
        cleanup: () => tf.dispose([x, w, dy]),
        scale: shrink ? full.batch / g.batch : 1,
        note: shrink
          ? `tfjs-cpu fwd+bwd: timed at batch ${g.batch} and scaled to ${full.batch} (its filter gradient takes minutes at batch 128)`
          : undefined,
      };
    },
  };
}

function readAndDispose(t: TfTensor): void {
  t.dataSync();
  t.dispose();
}

/**
 * Registers Conv2DBackpropFilter for tfjs-wasm, which lacks it: im2col (one
 * slice of x per filter tap, stacked into [batch * outH * outW, fh * fw * inC])
 * then patches^T @ dy. Covers what the benches need: stride 1, no padding or
 * dilation (the ops section's convolutions and the training section's lecture CNN).
 */
export function registerWasmFilterGradient(tf: Tf): void {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm")) return;
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs = {} }) => {
      const filterShape = attrs.filterShape as [number, number, number, number];
      if (attrs.pad !== "valid" || (attrs.strides as number[]).join(",") !== "1,1") {
        throw new Error("bench stand-in Conv2DBackpropFilter: only stride 1 and padding 'valid' are implemented");
      }
      // Called with tensors (runKernel passes the caller's objects); wrapping a
      // bare TensorInfo in a new tensor would free its data when the tidy ends.
      const { x, dy } = inputs;
      if (!(x instanceof tf.Tensor) || !(dy instanceof tf.Tensor) || x.rank !== 4 || dy.rank !== 4) {
        throw new Error("bench stand-in Conv2DBackpropFilter: x and dy must be rank-4 tensors");
      }
      return tf.tidy(() => {
        const [batch, outH, outW, outC] = dy.shape as [number, number, number, number];
        const [fh, fw, inC] = filterShape;
        const taps: TfTensor[] = [];
        for (let fy = 0; fy < fh; fy++) {
          for (let fx = 0; fx < fw; fx++)
            taps.push(tf.slice(x as TfCore.Tensor4D, [0, fy, fx, 0], [batch, outH, outW, inC]));
        }
        const patches = tf.reshape(tf.stack(taps, 3), [batch * outH * outW, fh * fw * inC]);
        const grad = tf.matMul(patches, tf.reshape(dy, [batch * outH * outW, outC]), true, false);
        return tf.reshape(grad, filterShape);
      });
    },
  });
}

function cnnConv(batch: number, size: number, inC: number, outC: number): Conv2DGeometry {
  return {
    batch,
    inHeight: size,
    inWidth: size,
    inChannels: inC,
    outHeight: size - 2,
    outWidth: size - 2,
    outChannels: outC,
    filterHeight: 3,
    filterWidth: 3,
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: 0,
    padLeft: 0,
  };
}

function filled(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  return out;
}

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(28) : c.padStart(18))).join("");
}
