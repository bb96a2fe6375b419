/**
 * Bench section "training": the lecture CNN (the Keras example in docs/keras.md) trained
 * on MNIST with batch 128 and Adam by nnlab's backends and by TensorFlow.js's
 * wasm backend in the same run, plus the LSTM and Transformer learning checks'
 * models. Each contestant runs in its own child process, so its peak resident
 * memory (VmHWM) is its own and no heap is shared with another contestant.
 *
 * By default each CNN contestant trains on the full 60,000 images but stops
 * after WARMUP + TIMED batches; samples/s count the timed batches only, and
 * the test accuracy (10,000 images) is the one after those few batches.
 * NNLAB_BENCH_FULL=1 trains one whole epoch instead (tfjs-wasm takes minutes).
 * Nothing here asserts.
 */
import type * as TfCore from "@tensorflow/tfjs-core";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseIdx } from "../../runtime/data/idx";
import { mnistFile } from "../../runtime/data/mnist";
import { recallTask, reverseDigits } from "../../runtime/data/sequences";
import { keras, layers, type Model } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { lectureCnn } from "../keras/lecture_cnn";
import { registerWasmFilterGradient } from "./ops";

/** Runs every contestant in a child process and returns the section's tables. */
export function runTrainingBench(): string {
  const loadBefore = loadavg()[0];
  const lines = [
    `lecture CNN on MNIST, batch 128, Adam; ${FULL ? "one full epoch (60,000 images)" : `${TIMED} batches timed after ${WARMUP} warm-up batches`}`,
    "",
    row(["contestant", "batches", "samples/s", "vs tfjs-wasm", "test acc", "RSS fit/all MiB"]),
  ];
  process.stderr.write(`${lines.join("\n")}\n`);
  const results = new Map<string, Outcome>();
  for (const job of CNN_JOBS) {
    const outcome = runChild(job);
    results.set(job, outcome);
    const baseline = results.get("cnn-tfjs-wasm");
    lines.push(cnnRow(job, outcome, baseline && "result" in baseline ? baseline.result : undefined));
    process.stderr.write(`${lines[lines.length - 1]}\n`);
  }
  lines.push(
    "",
    "learning-check models (nnlab's automatic backend), samples/s over the timed epochs after one warm-up epoch",
    "",
  );
  lines.push(row(["model", "epochs", "samples/s", "", "", "peak RSS MiB"]));
  for (const job of SEQUENCE_JOBS) {
    const outcome = runChild(job);
    lines.push(
      "result" in outcome
        ? row([
            LABELS[job],
            String(outcome.result.batches),
            outcome.result.samplesPerSecond.toFixed(0),
            "",
            "",
            mib(outcome.result.peakRssBytes),
          ])
        : `${LABELS[job]}: n/a (${outcome.failure})`,
    );
    process.stderr.write(`${lines[lines.length - 1]}\n`);
  }
  lines.push("", "notes:", ...NOTES);
  lines.push(
    `- ${cpus().length} cores, load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after.`,
  );
  return lines.join("\n");
}

const FULL = process.env.NNLAB_BENCH_FULL === "1";
const BATCH = 128;
const WARMUP = 3;
const TIMED = 40;
/** gpu.js's CPU modes take seconds per batch, and its kernels refuse tensors past 2^24 elements: a small slice of MNIST. */
const GPUJS_WARMUP = 1;
const GPUJS_TIMED = 2;

type Job =
  | "cnn-nnlab-wasm"
  | "cnn-tfjs-wasm"
  | "cnn-gpujs-webasm"
  | "cnn-gpujs-cpu"
  | "cnn-gpujs-headlessgl"
  | "cnn-gpujs-webgpu"
  | "lstm-recall"
  | "transformer-reverse";

const CNN_JOBS: Job[] = [
  "cnn-tfjs-wasm",
  "cnn-nnlab-wasm",
  "cnn-gpujs-webasm",
  "cnn-gpujs-cpu",
  "cnn-gpujs-headlessgl",
  "cnn-gpujs-webgpu",
];
const SEQUENCE_JOBS: Job[] = ["lstm-recall", "transformer-reverse"];

const LABELS: Record<Job, string> = {
  "cnn-nnlab-wasm": "nnlab wasm",
  "cnn-tfjs-wasm": "tfjs-wasm",
  "cnn-gpujs-webasm": "nnlab gpujs-webasm",
  "cnn-gpujs-cpu": "nnlab gpujs-cpu",
  "cnn-gpujs-headlessgl": "nnlab gpujs-headlessgl",
  "cnn-gpujs-webgpu": "nnlab gpujs-webgpu",
  "lstm-recall": "LSTM(16) recall, 36 steps",
  "transformer-reverse": "Transformer 2x(64, 2 heads) reverse",
};

const NOTES = [
  "- Each contestant is a separate child process: load MNIST (uint8 IDX), scale to 0..1 float32, one-hot labels,",
  "  build and compile the model, fit one epoch with shuffling and no validation split, evaluate the test set.",
  "- tfjs-wasm is @tensorflow/tfjs-layers on @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD, one thread under Node).",
  "  It has no Conv2DBackpropFilter kernel, so it cannot train a Conv2D by itself; the stand-in from the ops section",
  "  (registerWasmFilterGradient: im2col as 9 tfjs slices stacked, then one tfjs matMul) is registered first.",
  `- gpujs rows train ${GPUJS_WARMUP + GPUJS_TIMED} batches of the first ${(GPUJS_WARMUP + GPUJS_TIMED) * BATCH} images (${GPUJS_TIMED} timed) and`,
  "  evaluate nothing: their CPU modes take seconds per batch, and their kernels refuse tensors over 2^24 elements",
  "  (the subset is cut on the wasm backend and moves to gpu.js on first use).",
  "  headlessgl needs an X display (xvfb-run -a npm run bench) and the built gl package; webgpu runs gpu.js's WGSL",
  "  kernels on Dawn (npm webgpu) in a worker behind a synchronous bridge, one thread round trip per primitive.",
  "- RSS fit/all: the child's peak resident memory (VmHWM, /proc/self/status) right after fit, and at its end after",
  "  evaluating the test set at batch 500: data, model, heaps and the JS engine. Goal 3 compares the fit figure.",
  "- LSTM: the recall learning check (512 sequences of 36 steps x 5 channels, batch 32, Adam 0.01).",
  "  Transformer: the reverse-digits check (1,024 strings of 6 digits, Embedding 32, 2 encoders, batch 32).",
];

interface Result {
  /** Batches (or epochs, for the sequence models) that were timed. */
  batches: number;
  samplesPerSecond: number;
  testAccuracy?: number;
  /** VmHWM right after fit: goal 3 compares this figure. */
  fitPeakRssBytes: number;
  /** VmHWM at the end, after evaluating the test set too. */
  peakRssBytes: number;
  /** Whole fit call, including warm-up (full-epoch mode reports it). */
  fitSeconds: number;
}

type Outcome = { result: Result } | { failure: string };

const RESULT_TAG = "@training-result ";

/** Runs `job` in `node <this file> <job>` and parses the line it prints. */
function runChild(job: Job): Outcome {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (job.startsWith("cnn-gpujs-")) {
    env.NNLAB_BACKEND = "gpujs";
    env.NNLAB_GPUJS_MODE = job.slice("cnn-gpujs-".length);
  } else if (job === "cnn-nnlab-wasm") {
    env.NNLAB_BACKEND = "wasm";
  }
  const child = spawnSync(process.execPath, [__filename, job], { env, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  const line = child.stdout.split("\n").find((l) => l.startsWith(RESULT_TAG));
  if (line) return { result: JSON.parse(line.slice(RESULT_TAG.length)) as Result };
  const why = `${child.stderr}\n${child.stdout}`
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("Error") || l.includes("Error:"));
  return { failure: why[0] ?? `exit status ${child.status ?? child.signal}` };
}

function cnnRow(job: Job, outcome: Outcome, baseline: Result | undefined): string {
  if (!("result" in outcome)) return `${LABELS[job]}: n/a (${outcome.failure.slice(0, 200)})`;
  const r = outcome.result;
  const ratio =
    baseline && job !== "cnn-tfjs-wasm" ? `${(r.samplesPerSecond / baseline.samplesPerSecond).toFixed(2)}x` : "";
  const figure = r.samplesPerSecond.toFixed(r.samplesPerSecond < 10 ? 2 : 0);
  const accuracy = r.testAccuracy === undefined ? "-" : `${(100 * r.testAccuracy).toFixed(2)}%`;
  const epoch = FULL && r.testAccuracy !== undefined ? ` (epoch ${r.fitSeconds.toFixed(1)} s)` : "";
  return row([
    LABELS[job],
    String(r.batches),
    figure + epoch,
    ratio,
    accuracy,
    `${mib(r.fitPeakRssBytes)} / ${mib(r.peakRssBytes)}`,
  ]);
}

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(36) : c.padStart(i === 2 ? 24 : 16))).join("");
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

// ----- child side -----

type TfTensor1D = TfCore.Tensor1D;
type TfScalar = TfCore.Scalar;

async function runJob(job: Job): Promise<Result> {
  switch (job) {
    case "cnn-tfjs-wasm":
      return tfjsCnn();
    case "lstm-recall":
      return nnlabLstm();
    case "transformer-reverse":
      return nnlabTransformer();
    default:
      return job.startsWith("cnn-gpujs-")
        ? nnlabCnn({
            samples: (GPUJS_WARMUP + GPUJS_TIMED) * BATCH,
            warmup: GPUJS_WARMUP,
            timed: GPUJS_TIMED,
            evaluate: false,
          })
        : nnlabCnn({ warmup: WARMUP, timed: FULL ? undefined : TIMED, evaluate: true });
  }
}

interface CnnPlan {
  /** Training images used (default all 60,000). */
  samples?: number;
  warmup: number;
  /** Batches timed after the warm-up; undefined: the rest of the epoch. */
  timed: number | undefined;
  evaluate: boolean;
}

/**
 * Times batches through fit's onBatchEnd hook and stops the fit after the
 * planned ones. Works for nnlab's and tfjs-layers' callbacks alike.
 */
class BatchTimer {
  private started = 0;
  private finished = 0;
  timedBatches = 0;

  constructor(
    private readonly plan: { warmup: number; timed: number | undefined },
    private readonly model: { stopTraining: boolean },
  ) {}

  readonly hooks = {
    onBatchEnd: (batch: number): void => {
      const now = performance.now();
      if (batch === this.plan.warmup - 1) this.started = now;
      if (batch >= this.plan.warmup) {
        this.finished = now;
        this.timedBatches = batch - this.plan.warmup + 1;
      }
      if (this.plan.timed !== undefined && this.timedBatches >= this.plan.timed) this.model.stopTraining = true;
    },
  };

  samplesPerSecond(batchSize: number): number {
    if (this.timedBatches === 0) throw new Error("training bench: no batch was timed (fewer batches than the warm-up)");
    return (this.timedBatches * batchSize) / ((this.finished - this.started) / 1000);
  }
}

async function nnlabCnn(plan: CnnPlan): Promise<Result> {
  nn.seed(0);
  // A subset is cut on the wasm backend: a GPU mode's buffers could not hold all 60,000 images (and need not).
  const contestant = nn.backend().name;
  if (plan.samples !== undefined) nn.setBackend("wasm");
  const [[trainImages, trainLabels], [testImages, testLabels]] = keras.datasets.mnist.loadData();
  const n = plan.samples ?? trainImages.shape[0];
  const images = n === trainImages.shape[0] ? trainImages : trainImages.slice([0, 0, 0], [n, 28, 28]);
  const labels = n === trainLabels.shape[0] ? trainLabels : trainLabels.slice([0], [n]);
  const xTrain = images.reshape([n, 28, 28, 1]).div(255);
  const yTrain = keras.utils.toCategorical(labels, 10);
  // Tensors made on wasm move to the contestant's backend on first use.
  nn.setBackend(contestant);

  const model = lectureCnn();
  model.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });
  const timer = new BatchTimer(plan, model);
  const fitStart = performance.now();
  await model.fit(xTrain, yTrain, { batchSize: BATCH, epochs: 1, verbose: 0, callbacks: [timer.hooks] });
  const fitSeconds = (performance.now() - fitStart) / 1000;
  const fitPeakRssBytes = peakRss();
  let testAccuracy: number | undefined;
  if (plan.evaluate) {
    const xTest = testImages.reshape([testImages.shape[0], 28, 28, 1]).div(255);
    const yTest = keras.utils.toCategorical(testLabels, 10);
    testAccuracy = (model.evaluate(xTest, yTest, { batchSize: 500 }) as number[])[1];
  }
  return {
    batches: timer.timedBatches,
    samplesPerSecond: timer.samplesPerSecond(BATCH),
    testAccuracy,
    fitPeakRssBytes,
    peakRssBytes: peakRss(),
    fitSeconds,
  };
}

async function tfjsCnn(): Promise<Result> {
  const tf = await import("@tensorflow/tfjs-core");
  const tfWasm = await import("@tensorflow/tfjs-backend-wasm");
  const tfl = await import("@tensorflow/tfjs-layers");
  tfWasm.setWasmPaths(
    join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm")), "/"),
  );
  await tf.setBackend("wasm");
  await tf.ready();
  registerWasmFilterGradient(tf);

  const [trainImages, trainLabels, testImages, testLabels] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
  ].map((name) => {
    const { shape, values } = parseIdx(readFileSync(mnistFile(name)), name);
    return name.includes("images")
      ? tf.tensor(Float32Array.from(values), shape)
      : tf.tensor(Int32Array.from(values), shape, "int32");
  });
  const xTrain = tf.div(tf.reshape(trainImages, [trainImages.shape[0], 28, 28, 1]), 255);
  const yTrain = tf.cast(tf.oneHot(trainLabels as TfTensor1D, 10), "float32");

  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ loss: "categoricalCrossentropy", optimizer: "adam", metrics: ["accuracy"] });
  const timer = new BatchTimer({ warmup: WARMUP, timed: FULL ? undefined : TIMED }, model);
  const fitStart = performance.now();
  await model.fit(xTrain, yTrain, { batchSize: BATCH, epochs: 1, verbose: 0, shuffle: true, callbacks: timer.hooks });
  const fitSeconds = (performance.now() - fitStart) / 1000;
  const fitPeakRssBytes = peakRss();
  const xTest = tf.div(tf.reshape(testImages, [testImages.shape[0], 28, 28, 1]), 255);
  const yTest = tf.cast(tf.oneHot(testLabels as TfTensor1D, 10), "float32");
  const evaluated = model.evaluate(xTest, yTest, { batchSize: 500 }) as TfScalar[];
  const testAccuracy = (await evaluated[1].data())[0];
  return {
    batches: timer.timedBatches,
    samplesPerSecond: timer.samplesPerSecond(BATCH),
    testAccuracy,
    fitPeakRssBytes,
    peakRssBytes: peakRss(),
    fitSeconds,
  };
}

/** The recall learning check's model and data; one warm-up epoch, then five timed. */
async function nnlabLstm(): Promise<Result> {
  nn.seed(3);
  const model = keras.Sequential([
    keras.Input({ shape: [36, 5] }),
    layers.LSTM(16),
    layers.Dense(4, { activation: "softmax" }),
  ]);
  model.compile({ optimizer: keras.optimizers.Adam({ learningRate: 0.01 }), loss: "sparse_categorical_crossentropy" });
  const train = recallTask({ samples: 512, length: 36, classes: 4, keyWindow: 4, seed: 1 });
  return timeEpochs(model, train.x, train.y, 32, 5);
}

/** The reverse-digits learning check's model and data; one warm-up epoch, then three timed. */
async function nnlabTransformer(): Promise<Result> {
  nn.seed(5);
  const model = keras.Sequential([
    keras.Input({ shape: [6] }),
    layers.Embedding(10, 32),
    layers.PositionEmbedding(6),
    layers.TransformerEncoder(64, 2),
    layers.TransformerEncoder(64, 2),
    layers.Dense(10, { activation: "softmax" }),
  ]);
  model.compile({ optimizer: keras.optimizers.Adam({ learningRate: 0.003 }), loss: "sparse_categorical_crossentropy" });
  const train = reverseDigits({ samples: 1024, length: 6, seed: 1 });
  return timeEpochs(model, train.source, train.target, 32, 3);
}

async function timeEpochs(model: Model, x: Tensor, y: Tensor, batchSize: number, timed: number): Promise<Result> {
  const ends: number[] = [];
  const fitStart = performance.now();
  await model.fit(x, y, {
    batchSize,
    epochs: 1 + timed,
    verbose: 0,
    callbacks: [{ onEpochEnd: () => void ends.push(performance.now()) }],
  });
  const seconds = (ends[ends.length - 1] - ends[0]) / 1000;
  const peak = peakRss();
  return {
    batches: timed,
    samplesPerSecond: (timed * x.shape[0]) / seconds,
    fitPeakRssBytes: peak,
    peakRssBytes: peak,
    fitSeconds: (performance.now() - fitStart) / 1000,
  };
}

/** Peak resident set size of this process so far (VmHWM). */
function peakRss(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  if (!match) throw new Error("training bench: /proc/self/status has no VmHWM line (peak RSS needs Linux)");
  return Number(match[1]) * 1024;
}

if (require.main === module) {
  const job = process.argv[2] as Job;
  if (!(job in LABELS)) {
    console.error(`training bench child: unknown job "${job}"; jobs: ${Object.keys(LABELS).join(", ")}`);
    process.exit(2);
  }
  runJob(job).then(
    (result) => {
      console.log(RESULT_TAG + JSON.stringify(result));
      // Worker threads of the wasm backends would keep the child alive.
      process.exit(0);
    },
    (error: Error) => {
      console.error(error.stack ?? String(error));
      process.exit(1);
    },
  );
}
