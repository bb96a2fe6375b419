/**
 * What each speed lever of the wasm backend buys on its own: lecture-CNN
 * training steps (batch 128, Adam, 3 warm-up then 20 timed batches) with one
 * lever off and with everything on, each configuration in its own child
 * process, the configurations alternating in rounds so that other load on the
 * machine falls on all of them alike. Reports the median samples/s per
 * configuration and the median of each round's ratio to "all on".
 *
 *   node dist/test/bench/levers.js [rounds]
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { keras } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import { lectureCnn } from "../keras/lecture_cnn";

const BATCH = 128;
const WARMUP = 3;
const TIMED = 20;

/** Each configuration: the environment that turns one lever off (none for "all on"). */
const CONFIGS: [string, NodeJS.ProcessEnv][] = [
  ["all on", {}],
  ["plain SIMD (no fused multiply-add)", { NNLAB_WASM_SIMD: "plain" }],
  ["composed Adam and dropout mask", { NNLAB_WASM_FUSED: "0" }],
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
    console.log(runConfigs(Number(process.argv[2] ?? 5)));
  }
}
