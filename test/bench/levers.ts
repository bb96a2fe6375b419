/**
 * What each speed lever of the wasm backend buys on its own: lecture-CNN
 * training steps (batch 128, Adam, 3 warm-up then 20 timed batches) with one
 * lever off and with everything on, each configuration in its own child
 * process, the configurations alternating in rounds so that other load on the
 * machine falls on all of them alike. Reports the median samples/s per
 * configuration and the median of each round's ratio to "all on".
 *
 * Then each fused kernel against the composed ops it replaces, in one
 * process on two backends (fused and not), alternating, fastest of 9 calls per
 * round (robust to load spikes), median ratio of 5 rounds.
 *
 *   node dist/test/bench/levers.js [rounds]
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { registerBackend } from "../../runtime/backend/registry";
import { WasmBackend } from "../../runtime/backend/wasm/backend";
import "../../runtime/backend/wasm/register";
import { keras } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import { biasRelu } from "../../runtime/ops/activation";
import { dropoutMask } from "../../runtime/ops/dropout";
import type { Tensor } from "../../runtime/tensor";
import { lectureCnn } from "../keras/lecture_cnn";

const BATCH = 128;
const WARMUP = 3;
const TIMED = 20;

/** Each configuration: the environment that turns one lever off (none for "all on"). */
const CONFIGS: [string, NodeJS.ProcessEnv][] = [
  ["all on", {}],
  ["plain SIMD (no fused multiply-add)", { NNLAB_WASM_SIMD: "plain" }],
  ["no fused Adam", { NNLAB_WASM_FUSED: "dropoutMask,biasRelu,reluBackward,recurrentScan" }],
  ["no wasm dropout mask", { NNLAB_WASM_FUSED: "adamStep,biasRelu,reluBackward,recurrentScan" }],
  ["no bias + relu epilogue, relu gradient", { NNLAB_WASM_FUSED: "adamStep,dropoutMask,recurrentScan" }],
  ["all off (plain SIMD, nothing fused)", { NNLAB_WASM_SIMD: "plain", NNLAB_WASM_FUSED: "0" }],
];

const TAG = "@levers ";

function runConfigs(rounds: number): string {
  const loadBefore = loadavg()[0];
  const figures = CONFIGS.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    CONFIGS.forEach(([, env], i) => {
      const child = spawnSync(process.execPath, [__filename, "--child"], {
        env: { ...process.env, NNLAB_BACKEND: "wasm", ...env },
        encoding: "utf8",
      });
      const line = child.stdout.split("\n").find((l) => l.startsWith(TAG));
      if (!line) throw new Error(`levers: child for "${CONFIGS[i][0]}" failed: ${child.stderr.slice(-500)}`);
      figures[i].push(Number(line.slice(TAG.length)));
    });
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const lines = [
    `lecture CNN training step, batch 128, ${TIMED} timed batches, ${rounds} alternating rounds (medians)`,
    `${"configuration".padEnd(40)}${"samples/s".padStart(12)}${"all on / this".padStart(16)}`,
  ];
  CONFIGS.forEach(([name], i) => {
    const ratio = median(figures[i].map((f, r) => figures[0][r] / f));
    lines.push(`${name.padEnd(40)}${median(figures[i]).toFixed(0).padStart(12)}${`${ratio.toFixed(3)}x`.padStart(16)}`);
  });
  lines.push(`load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after`);
  return lines.join("\n");
}

/** Fused kernel vs composed ops at the lecture CNN's sizes (batch 128). */
function kernelLevers(): string {
  registerBackend({ name: "wasm-composed", priority: -1, create: () => new WasmBackend(undefined, { fused: false }) });
  const tasks: [string, () => () => void][] = [
    ["Adam step, the CNN's 6 weights (34,826 values)", adamTask],
    ["dropout mask [128, 1600]", () => () => dropoutMask([128, 1600], 0.5).dispose()],
    ["conv1 bias + relu, forward and backward [128,26,26,32]", () => biasReluTask([128, 26, 26, 32])],
    ["conv2 bias + relu, forward and backward [128,11,11,64]", () => biasReluTask([128, 11, 11, 64])],
  ];
  const lines = [
    "",
    "fused kernel vs the composed ops, ms (fastest of 9 per round, medians of 5 alternating rounds)",
    `${"task".padEnd(56)}${"composed".padStart(10)}${"fused".padStart(10)}${"speedup".padStart(10)}`,
  ];
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const [name, make] of tasks) {
    const runs = ["wasm-composed", "wasm"].map((backend) => {
      nn.setBackend(backend);
      return make();
    });
    const rounds = Array.from({ length: 5 }, () =>
      ["wasm-composed", "wasm"].map((backend, i) => {
        nn.setBackend(backend);
        return fastest(runs[i]);
      }),
    );
    const [composed, fused] = [0, 1].map((i) => median(rounds.map((r) => r[i])));
    const ratio = median(rounds.map(([c, f]) => c / f));
    lines.push(
      `${name.padEnd(56)}${composed.toFixed(3).padStart(10)}${fused.toFixed(3).padStart(10)}${`${ratio.toFixed(2)}x`.padStart(10)}`,
    );
  }
  return lines.join("\n");
}

function fastest(fn: () => void): number {
  fn();
  let best = Infinity;
  for (let i = 0; i < 9; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

function adamTask(): () => void {
  const shapes = [[3, 3, 1, 32], [32], [3, 3, 32, 64], [64], [1600, 10], [10]];
  const weights = shapes.map((s) => nn.randn(s));
  const grads = shapes.map((s) => nn.randn(s));
  const adam = keras.optimizers.Adam();
  return () => adam.applyGradients(grads.map((g, i) => [g, weights[i]] as const));
}

function biasReluTask(shape: number[]): () => void {
  const x = nn.randn(shape);
  const bias = nn.randn([shape[shape.length - 1]]);
  const dy = nn.randn(shape);
  x.requiresGrad = true;
  bias.requiresGrad = true;
  return () =>
    nn.tidy(() => {
      const y: Tensor = biasRelu(x, bias);
      y.mul(dy).sum().backward();
      x.zeroGrad();
      bias.zeroGrad();
    });
}

async function child(): Promise<number> {
  nn.seed(0);
  const [[images, labels]] = keras.datasets.mnist.loadData();
  const n = (WARMUP + TIMED) * BATCH;
  const x = images.slice([0, 0, 0], [n, 28, 28]).reshape([n, 28, 28, 1]).div(255);
  const y = keras.utils.toCategorical(labels.slice([0], [n]), 10);
  const model = lectureCnn();
  model.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });
  let started = 0;
  const hooks = { onBatchBegin: (batch: number) => void (batch === WARMUP && (started = performance.now())) };
  await model.fit(x, y, { batchSize: BATCH, epochs: 1, verbose: 0, shuffle: true, callbacks: [hooks] });
  return (TIMED * BATCH) / ((performance.now() - started) / 1000);
}

if (require.main === module) {
  if (process.argv[2] === "--child") {
    child().then(
      (samples) => {
        console.log(TAG + String(samples));
        process.exit(0);
      },
      (error: Error) => {
        console.error(error.stack ?? String(error));
        process.exit(1);
      },
    );
  } else {
    const rounds = Number(process.argv[2] ?? 5);
    // 0 rounds: only the kernel comparisons.
    if (rounds > 0) console.log(runConfigs(rounds));
    console.log(kernelLevers());
    process.exit(0);
  }
}
