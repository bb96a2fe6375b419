/**
 * Simulated students on a JupyterHub (./jupyterhub.ts): each opens a notebook session on the nnlab kernel
 * through @jupyterlab/services, as JupyterLab in their browser would, through the hub's proxy with their own
 * token. Trainers run a reduced notebook 04 (the lecture CNN on a few thousand MNIST images for one epoch)
 * all at once; one more student runs `1 + 1` every second and records how long each took. What the class
 * measures: whether everyone finished, the small cell's latency while the others train, the training
 * throughput over all students, each student's kernel memory, the hub's own memory, server start times,
 * and the kernels left once the servers stop.
 */
import {
  type Kernel,
  type KernelMessage,
  KernelManager,
  ServerConnection,
  type Session,
  SessionManager,
} from "@jupyterlab/services";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import type { Hub, StudentServer } from "./jupyterhub";
import { parentsOfAll, residentMiB, statusField } from "./processes";

export interface Student {
  server: StudentServer;
  session: Session.ISessionConnection;
  kernel(): Kernel.IKernelConnection;
  /** Seconds from asking for the notebook session to its kernel's first reply. */
  kernelStartSeconds: number;
  close(): void;
}

export interface CellResult {
  /** The reply's status, "timeout" when none came, "disposed" when the kernel went away under the request. */
  status: "ok" | "error" | "abort" | "aborted" | "timeout" | "disposed";
  stdout: string;
  /** "ename: evalue" of an error. */
  error: string;
  ename: string;
  ms: number;
}

/** Opens `notebook` in a session on the nnlab kernel on a student's server and runs a first cell. */
export async function openNotebook(server: StudentServer, notebook: string): Promise<Student> {
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: server.baseUrl,
    wsUrl: server.wsUrl,
    token: server.token,
    appendToken: true,
    // Node 20 has fetch but no WebSocket; `ws` speaks the same API.
    WebSocket: WebSocket as unknown as ServerConnection.ISettings["WebSocket"],
  });
  const kernelManager = new KernelManager({ serverSettings });
  const sessionManager = new SessionManager({ kernelManager, serverSettings });
  const began = performance.now();
  await sessionManager.ready;
  const session = await sessionManager.startNew({
    path: notebook,
    name: notebook,
    type: "notebook",
    kernel: { name: "nnlab" },
  });
  const kernel = (): Kernel.IKernelConnection => {
    if (!session.kernel) throw new Error(`${server.name}'s session has no kernel`);
    return session.kernel;
  };
  const first = await run(kernel(), "1", 120_000);
  if (first.status !== "ok") throw new Error(`${server.name}'s first cell failed: ${first.status} ${first.error}`);
  return {
    server,
    session,
    kernel,
    kernelStartSeconds: (performance.now() - began) / 1000,
    close() {
      session.dispose();
      sessionManager.dispose();
      kernelManager.dispose();
    },
  };
}

/** Runs a cell; resolves with its status, stdout and time, or "timeout" after `timeoutMs`. */
export async function run(kernel: Kernel.IKernelConnection, code: string, timeoutMs = 300_000): Promise<CellResult> {
  const began = performance.now();
  let stdout = "";
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    if (msg.header.msg_type === "stream") stdout += (msg as KernelMessage.IStreamMsg).content.text;
  };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  try {
    const reply = await Promise.race([future.done, timedOut]);
    const ms = performance.now() - began;
    if (reply === "timeout") return { status: "timeout", stdout, error: `no reply in ${timeoutMs} ms`, ename: "", ms };
    const content = reply.content;
    if (content.status === "error") {
      return { status: "error", stdout, error: `${content.ename}: ${content.evalue}`, ename: content.ename, ms };
    }
    return { status: content.status, stdout, error: "", ename: "", ms };
  } catch (error) {
    // The future is disposed when the kernel dies or restarts under it.
    return { status: "disposed", stdout, error: String(error), ename: "", ms: performance.now() - began };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Notebook 04 reduced: the same data preparation and lecture CNN, trained on `images` training images for
 * `epochs` epochs (default settings otherwise: progress bar and live curves), tested on 1,000 test images.
 * The last cell prints "@accuracy A".
 */
function lectureCnnCells(images: number, epochs: number): { prepare: string[]; train: string; evaluate: string } {
  return {
    prepare: [
      `const N_TRAIN = ${images};\nconst EPOCHS = ${epochs};\nconst BATCH_SIZE = 128;\nconst N_TEST = 1000;\nnn.seed(0);`,
      "const [[trainImages, trainLabels], [testImages, testLabels]] = keras.datasets.mnist.loadData();\n" +
        "console.log(`training images ${trainImages.shape}, test images ${testImages.shape}`);",
      "const xTrain = trainImages.slice([0, 0, 0], [N_TRAIN, 28, 28]).reshape([N_TRAIN, 28, 28, 1]).div(255);\n" +
        "const yTrain = keras.utils.toCategorical(trainLabels.slice([0], [N_TRAIN]), 10);\n" +
        "const xTest = testImages.slice([0, 0, 0], [N_TEST, 28, 28]).reshape([N_TEST, 28, 28, 1]).div(255);\n" +
        "const yTest = keras.utils.toCategorical(testLabels.slice([0], [N_TEST]), 10);",
      `const model = keras.Sequential([
  keras.Input({ shape: [28, 28, 1] }),
  layers.Conv2D(32, { kernelSize: [3, 3], activation: "relu" }),
  layers.MaxPooling2D({ poolSize: [2, 2] }),
  layers.Conv2D(64, { kernelSize: [3, 3], activation: "relu" }),
  layers.MaxPooling2D({ poolSize: [2, 2] }),
  layers.Flatten(),
  layers.Dropout(0.5),
  layers.Dense(10, { activation: "softmax" }),
]);
model.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });`,
    ],
    train: "const history = await model.fit(xTrain, yTrain, { batchSize: BATCH_SIZE, epochs: EPOCHS });",
    evaluate:
      "const [testLoss, testAccuracy] = model.evaluate(xTest, yTest, { batchSize: 500 }) as number[];\n" +
      'console.log("@accuracy", testAccuracy);',
  };
}

/** What a kernel sees of the hub's limits, and what it made of them. */
interface KernelLimits {
  /** CPU_LIMIT and MEM_LIMIT as the kernel's environment has them (null: unset). */
  cpuLimit: string | null;
  memLimit: string | null;
  /** The wasm backend's threads (nn.backend().threads). */
  backendThreads: number;
  /** V8's heap limit, MiB. */
  heapLimitMiB: number;
}

const LIMITS_CELL =
  'console.log("@limits", JSON.stringify({ cpuLimit: process.env.CPU_LIMIT ?? null, memLimit: process.env.MEM_LIMIT ?? null, ' +
  'backendThreads: nn.backend().threads, heapLimitMiB: Math.round(require("node:v8").getHeapStatistics().heap_size_limit / 2 ** 20) }));';

async function kernelLimits(student: Student): Promise<KernelLimits> {
  const result = await run(student.kernel(), LIMITS_CELL, 60_000);
  const json = /@limits (.*)/.exec(result.stdout)?.[1];
  if (result.status !== "ok" || !json) throw new Error(`the limits cell failed: ${result.status} ${result.error}`);
  return JSON.parse(json) as KernelLimits;
}

export interface LatencySample {
  /** performance.now() when the cell was sent. */
  at: number;
  ms: number;
  status: CellResult["status"];
}

/** A student who runs `1 + 1` every second (or right after the previous reply, if that took longer). */
export function startProbe(student: Student, everyMs = 1000): { stop(): Promise<LatencySample[]> } {
  const samples: LatencySample[] = [];
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const at = performance.now();
      const result = await run(student.kernel(), "1 + 1", 60_000);
      samples.push({ at, ms: result.ms, status: result.status });
      const wait = everyMs - (performance.now() - at);
      if (wait > 0 && !stopping) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    async stop() {
      stopping = true;
      await loop;
      return samples;
    },
  };
}

/** Peak resident memory (MiB) and peak OS thread count of each student's kernel process tree, sampled. */
function startMemorySampler(hub: Hub, students: readonly Student[], everyMs = 500) {
  const peakMiB = new Map<string, number>();
  const peakThreads = new Map<string, number>();
  const sample = (): void => {
    const parents = parentsOfAll();
    for (const { server } of students) {
      const tree = hub.kernelTreeOf(server, parents);
      peakMiB.set(server.name, Math.max(peakMiB.get(server.name) ?? 0, residentMiB(tree)));
      const threads = tree.reduce((sum, pid) => sum + statusField(pid, "Threads"), 0);
      peakThreads.set(server.name, Math.max(peakThreads.get(server.name) ?? 0, threads));
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop(): { peakMiB: Map<string, number>; peakThreads: Map<string, number> } {
      clearInterval(timer);
      sample();
      return { peakMiB, peakThreads };
    },
  };
}

export interface ClassReport {
  trainers: number;
  images: number;
  epochs: number;
  /** Trainers whose every cell replied ok. */
  finished: number;
  failures: string[];
  serverStartS: Stats;
  kernelStartS: Stats;
  /** The probe's `1 + 1` while the trainers' fit cells ran. */
  latencyMs: Stats & { samples: number };
  /** Training images over all trainers per second of the fit window (first fit sent to last fit done). */
  imagesPerSecond: number;
  fitWindowS: number;
  accuracy: Stats;
  /** Per trainer: the kernel process tree's peak resident memory over the whole round. */
  kernelPeakMiB: Stats;
  kernelPeakThreads: Stats;
  /** The single-user server process of a trainer, after training. */
  serverMiB: Stats;
  /** The hub and its proxy together, after training. */
  hubMiB: number;
  limits: KernelLimits;
  /** Set by `dismiss`: nnlab kernels alive after every server stopped, and how long stopping took. */
  leftoverKernels?: number;
  stopSeconds?: number;
}

interface Stats {
  min: number;
  median: number;
  p95: number;
  max: number;
  mean: number;
}

function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { min: NaN, median: NaN, p95: NaN, max: NaN, mean: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    min: sorted[0],
    median:
      sorted.length % 2
        ? sorted[(sorted.length - 1) / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2,
    p95: at(0.95),
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

/** Starts every student's server and notebook at once; the first name is the probe, the rest train. */
export async function enrol(hub: Hub, names: readonly string[]): Promise<Student[]> {
  const servers = await Promise.all(names.map((name) => hub.addStudent(name)));
  return Promise.all(servers.map((server) => openNotebook(server, "04-cnn-mnist.ipynb")));
}

/** The trainers run the reduced notebook 04 together while the probe measures a small cell's latency. */
export async function trainTogether(
  hub: Hub,
  probe: Student,
  trainers: readonly Student[],
  { images, epochs }: { images: number; epochs: number },
): Promise<ClassReport> {
  const cells = lectureCnnCells(images, epochs);
  const memory = startMemorySampler(hub, trainers);
  const failures: string[] = [];
  const fail = (student: Student, what: string, result: CellResult): void => {
    failures.push(`${student.server.name} ${what}: ${result.status} ${result.error}`);
  };
  const ok = new Set<Student>(trainers);
  await Promise.all(
    trainers.map(async (student) => {
      for (const cell of cells.prepare) {
        const result = await run(student.kernel(), cell);
        if (result.status !== "ok") {
          fail(student, `preparing (${cell.split("\n")[0]})`, result);
          ok.delete(student);
          return;
        }
      }
    }),
  );

  // Taken first, so that the probe's first sample, sent at once, falls inside the fit window.
  const fitStarted = performance.now();
  const probing = startProbe(probe);
  await Promise.all(
    [...ok].map(async (student) => {
      const result = await run(student.kernel(), cells.train);
      if (result.status !== "ok") {
        fail(student, "training", result);
        ok.delete(student);
      }
    }),
  );
  const fitEnded = performance.now();
  const samples = await probing.stop();
  const during = samples.filter((s) => s.at >= fitStarted && s.at <= fitEnded);
  for (const s of samples) if (s.status !== "ok") failures.push(`the probe's 1 + 1: ${s.status}`);

  const accuracies: number[] = [];
  await Promise.all(
    [...ok].map(async (student) => {
      const result = await run(student.kernel(), cells.evaluate);
      const accuracy = Number(/@accuracy ([\d.]+)/.exec(result.stdout)?.[1]);
      if (result.status !== "ok" || !Number.isFinite(accuracy)) {
        fail(student, "evaluating", result);
        ok.delete(student);
      } else accuracies.push(accuracy);
    }),
  );
  const peaks = memory.stop();
  const limits = await kernelLimits(trainers[0]);
  const fitWindowS = (fitEnded - fitStarted) / 1000;
  const trained = [...ok].length;
  return {
    trainers: trainers.length,
    images,
    epochs,
    finished: trained,
    failures,
    serverStartS: stats([probe, ...trainers].map((s) => s.server.startSeconds)),
    kernelStartS: stats([probe, ...trainers].map((s) => s.kernelStartSeconds)),
    latencyMs: { ...stats(during.map((s) => s.ms)), samples: during.length },
    imagesPerSecond: (trained * images * epochs) / fitWindowS,
    fitWindowS,
    accuracy: stats(accuracies),
    kernelPeakMiB: stats([...peaks.peakMiB.values()]),
    kernelPeakThreads: stats([...peaks.peakThreads.values()]),
    serverMiB: stats(trainers.map((s) => residentMiB([s.server.pid]))),
    hubMiB: residentMiB(hub.hubProcesses()),
    limits,
  };
}

/**
 * Closes the students' connections, stops every server through the REST API, and counts the nnlab kernels
 * still alive `graceMs` later (a kernel whose server is gone should go too).
 */
export async function dismiss(
  hub: Hub,
  students: readonly Student[],
  graceMs = 10_000,
): Promise<{ leftoverKernels: number[]; stopSeconds: number }> {
  for (const student of students) student.close();
  const began = performance.now();
  await Promise.all(students.map((s) => hub.stopServer(s.server.name)));
  const stopSeconds = (performance.now() - began) / 1000;
  const deadline = Date.now() + graceMs;
  let left = hub.kernelProcesses();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = hub.kernelProcesses();
  }
  return { leftoverKernels: left, stopSeconds };
}

/** One line of a table per class size, with its header. */
export function formatReports(reports: readonly ClassReport[]): string {
  const header = [
    "students",
    "finished",
    "server start med/max (s)",
    "kernel start med/max (s)",
    "1+1 med/p95/max (ms)",
    "images/s (all)",
    "fit window (s)",
    "kernel peak MiB mean/max",
    "kernel threads",
    "server MiB",
    "hub+proxy MiB",
    "accuracy min",
    "wasm threads (CPU_LIMIT)",
    "V8 heap limit MiB (MEM_LIMIT MiB)",
    "kernels left",
  ];
  const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : "-");
  const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "-");
  const rows = reports.map((r) => [
    `${r.trainers}+1`,
    `${r.finished}/${r.trainers}`,
    `${f1(r.serverStartS.median)} / ${f1(r.serverStartS.max)}`,
    `${f1(r.kernelStartS.median)} / ${f1(r.kernelStartS.max)}`,
    `${f0(r.latencyMs.median)} / ${f0(r.latencyMs.p95)} / ${f0(r.latencyMs.max)} (n=${r.latencyMs.samples})`,
    f0(r.imagesPerSecond),
    f1(r.fitWindowS),
    `${f0(r.kernelPeakMiB.mean)} / ${f0(r.kernelPeakMiB.max)}`,
    f0(r.kernelPeakThreads.max),
    f0(r.serverMiB.mean),
    f0(r.hubMiB),
    r.accuracy.min.toFixed(3),
    `${r.limits.backendThreads} (${r.limits.cpuLimit ?? "unset"})`,
    `${r.limits.heapLimitMiB} (${r.limits.memLimit === null ? "unset" : f0(Number(r.limits.memLimit) / 2 ** 20)})`,
    r.leftoverKernels === undefined ? "-" : String(r.leftoverKernels),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
