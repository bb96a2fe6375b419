/**
 * Bench section for the wasm backend: GEMM GFLOP/s and the lecture CNN's
 * convolution timings beside TensorFlow.js's wasm backend (XNNPACK) in the
 * same process, with ratios. Medians of repeated runs; nothing here asserts.
 */
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import type * as TfCore from "@tensorflow/tfjs-core";
import type { Conv2DGeometry } from "../../runtime/backend/backend";
import { WasmBackend, type WasmTensor } from "../../runtime/backend/wasm/backend";
import { relaxedSimdAccepted } from "../../runtime/backend/wasm/kernels";

type Tf = typeof TfCore;

/** Runs the section and returns its report (a few aligned text tables). */
export async function runWasmBench(): Promise<string> {
  const loadBefore = loadavg()[0];
  const tf = await loadTfWasm();
  const wasm = new WasmBackend();
  const single = new WasmBackend(1);
  const lines: string[] = [];
  const info = wasm.info();
  lines.push(
    `wasm backend: ${info.threads} threads, SIMD; tfjs-wasm ${tf.version_core} (XNNPACK, 1 thread under Node)`,
  );
  lines.push("");
  lines.push("GEMM C = A @ B, f32 (GFLOP/s, median)");
  lines.push(row(["N", `wasm x${info.threads}`, "wasm x1", "tfjs-wasm", "speedup"]));
  for (const n of [256, 512, 1024]) {
    const flops = 2 * n ** 3;
    const ours = gflops(flops, timeMatmul(wasm, n));
    const ours1 = gflops(flops, timeMatmul(single, n));
    const theirs = gflops(flops, timeTfMatmul(tf, n));
    lines.push(
      row([String(n), ours.toFixed(1), ours1.toFixed(1), theirs.toFixed(1), `${(ours / theirs).toFixed(2)}x`]),
    );
  }
  lines.push("");
  lines.push("Conv2D of the lecture CNN, batch 128 (ms, median)");
  lines.push(row(["layer / pass", `wasm x${info.threads}`, "wasm x1", "tfjs-wasm", "speedup"]));
  const layers: [string, Conv2DGeometry][] = [
    ["conv1 28x28x1->32", cnnConv(28, 1, 32)],
    ["conv2 13x13x32->64", cnnConv(13, 32, 64)],
  ];
  for (const [name, g] of layers) {
    const ours = timeConv(wasm, g);
    const ours1 = timeConv(single, g);
    const theirs = timeTfConv(tf, g);
    for (const pass of ["forward", "backprop input", "backprop filter"] as const) {
      const t = theirs[pass];
      lines.push(
        row([
          `${name} ${pass}`,
          ours[pass].toFixed(2),
          ours1[pass].toFixed(2),
          t === undefined ? "n/a" : t.toFixed(2),
          t === undefined ? " (no tfjs-wasm kernel)" : `${(t / ours[pass]).toFixed(2)}x`,
        ]),
      );
    }
  }
  lines.push("", ...relaxedVsPlain());
  // Other work on the machine slows the two-thread figures most: say how busy it was.
  lines.push("");
  lines.push(
    `${cpus().length} cores, load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after`,
  );
  return lines.join("\n");
}

/**
 * The relaxed-SIMD build (fused multiply-add in the GEMM micro-kernel) against
 * the plain-SIMD build, one thread each, alternating in rounds so that other
 * load on the machine falls on both alike: the median of the rounds' ratios.
 */
function relaxedVsPlain(): string[] {
  if (!relaxedSimdAccepted()) return ["relaxed SIMD: this engine does not accept it (plain SIMD only)"];
  const plain = new WasmBackend(1, { simd: "plain" });
  const relaxed = new WasmBackend(1, { simd: "relaxed" });
  const conv2 = cnnConv(13, 32, 64);
  const tasks: [string, (b: WasmBackend) => number][] = [
    ["GEMM N=512 (ms)", (b) => timeMatmul(b, 512)],
    ["conv2 forward (ms)", (b) => timeConv(b, conv2).forward],
  ];
  const lines = [
    "relaxed SIMD (fused multiply-add) vs plain SIMD, 1 thread, 5 alternating rounds, medians",
    row(["task", "plain", "relaxed", "speedup"]),
  ];
  for (const [name, time] of tasks) {
    const rounds = Array.from({ length: 5 }, () => [time(plain), time(relaxed)]);
    const mid = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const ratio = mid(rounds.map(([p, r]) => p / r));
    lines.push(
      row([
        name,
        mid(rounds.map((r) => r[0])).toFixed(2),
        mid(rounds.map((r) => r[1])).toFixed(2),
        `${ratio.toFixed(2)}x`,
      ]),
    );
  }
  return lines;
}

const REPEAT_MS = 400;

/** Median wall time (ms) of `fn`, after one warm-up call, over at least 5 runs or REPEAT_MS. */
function median(fn: () => void): number {
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 5 || (performance.now() - start < REPEAT_MS && times.length < 200)) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

function gflops(flops: number, ms: number): number {
  return flops / ms / 1e6;
}

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(36) : c.padStart(12))).join("");
}

function filled(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  return out;
}

function timeMatmul(b: WasmBackend, n: number): number {
  const a = b.upload(filled(n * n), "float32");
  const c = b.upload(filled(n * n), "float32");
  const ms = median(() => b.dispose(b.matmul(a, [1, n, n], c, [1, n, n], false, false, 1)));
  b.dispose(a);
  b.dispose(c);
  return ms;
}

function timeTfMatmul(tf: Tf, n: number): number {
  const a = tf.tensor2d(filled(n * n), [n, n]);
  const b = tf.tensor2d(filled(n * n), [n, n]);
  const ms = median(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  });
  tf.dispose([a, b]);
  return ms;
}

function cnnConv(size: number, inC: number, outC: number): Conv2DGeometry {
  return {
    batch: 128,
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

type ConvTimes = Record<"forward" | "backprop input" | "backprop filter", number>;

function timeConv(b: WasmBackend, g: Conv2DGeometry): ConvTimes {
  const x = b.upload(filled(g.batch * g.inHeight * g.inWidth * g.inChannels), "float32");
  const w = b.upload(filled(9 * g.inChannels * g.outChannels), "float32");
  const dy = b.upload(filled(g.batch * g.outHeight * g.outWidth * g.outChannels), "float32");
  const run = (f: () => WasmTensor): number => median(() => b.dispose(f()));
  const times = {
    forward: run(() => b.conv2d(x, w, g)),
    "backprop input": run(() => b.conv2dBackpropInput(dy, w, g)),
    "backprop filter": run(() => b.conv2dBackpropFilter(x, dy, g)),
  };
  [x, w, dy].forEach((t) => b.dispose(t));
  return times;
}

// tfjs-wasm has no Conv2DBackpropFilter kernel, so that pass has no figure.
function timeTfConv(tf: Tf, g: Conv2DGeometry): Partial<ConvTimes> {
  const xShape: [number, number, number, number] = [g.batch, g.inHeight, g.inWidth, g.inChannels];
  const x = tf.tensor4d(filled(xShape.reduce((p, n) => p * n, 1)), xShape);
  const w = tf.tensor4d(filled(9 * g.inChannels * g.outChannels), [3, 3, g.inChannels, g.outChannels]);
  const dy = tf.tensor4d(filled(g.batch * g.outHeight * g.outWidth * g.outChannels), [
    g.batch,
    g.outHeight,
    g.outWidth,
    g.outChannels,
  ]);
  const run = (f: () => TfCore.Tensor): number =>
    median(() => {
      const t = f();
      t.dataSync();
      t.dispose();
    });
  const times = {
    forward: run(() => tf.conv2d(x, w, 1, "valid")),
    "backprop input": run(() => tf.conv2dTranspose(dy, w, xShape, 1, "valid")),
  };
  tf.dispose([x, w, dy]);
  return times;
}

async function loadTfWasm(): Promise<Tf> {
  const tf = await import("@tensorflow/tfjs-core");
  const tfWasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm"));
  tfWasm.setWasmPaths(join(dist, "/"));
  await tf.setBackend("wasm");
  await tf.ready();
  return tf;
}
