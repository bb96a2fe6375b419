/**
 * Load: one `jupyter server` with N nnlab kernels started at once (N = 2, 5, 10), each running a small
 * training loop through @jupyterlab/services over WebSockets, as a class on one JupyterHub machine would.
 * Reports start latency, resident memory per kernel and training throughput as N grows; fails when a
 * kernel dies or a cell fails. `NNLAB_SOAK_KERNELS=2,5` picks other sizes.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { type Kernel, type KernelMessage, KernelManager, ServerConnection } from "@jupyterlab/services";
import WebSocket from "ws";
import { createJupyterEnv, type JupyterEnv } from "../support/jupyter_env";
import { type JupyterServer, startJupyterServer } from "../support/jupyter_server";
import { processesMentioning } from "../support/processes";

const SIZES = (process.env.NNLAB_SOAK_KERNELS ?? "2,5,10").split(",").map(Number);
const SAMPLES = 2048;
const EPOCHS = 3;

/** The training loop each kernel runs; it prints its own samples per second. */
const TRAINING_CELL = `const model = keras.Sequential([keras.Input({ shape: [32] }), layers.Dense(64, { activation: "relu" }), layers.Dense(10, { activation: "softmax" })]);
model.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });
const x = nn.randn([${SAMPLES}, 32]);
const y = keras.utils.toCategorical(nn.tensor(Array.from({ length: ${SAMPLES} }, (_, i) => i % 10)), 10);
const started = performance.now();
const history = await model.fit(x, y, { epochs: ${EPOCHS}, batchSize: 32, verbose: 0 });
if (!history.history.loss.every(Number.isFinite)) throw new Error("training diverged");
console.log("@rate", (${SAMPLES * EPOCHS} / ((performance.now() - started) / 1000)).toFixed(0));`;

interface Row {
  kernels: number;
  startMedianMs: number;
  startMaxMs: number;
  rssMiB: number;
  perKernelRate: number;
  totalRate: number;
  wallS: number;
}

export async function runSoak(): Promise<string> {
  const jupyter = await createJupyterEnv();
  let server: JupyterServer | undefined;
  try {
    server = await startJupyterServer(jupyter);
    const rows: Row[] = [];
    for (const n of SIZES) rows.push(await round(jupyter, server, n));
    return report(rows);
  } finally {
    await server?.stop();
    jupyter.dispose();
  }
}

async function round(jupyter: JupyterEnv, server: JupyterServer, n: number): Promise<Row> {
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: server.baseUrl,
    wsUrl: server.wsUrl,
    token: server.token,
    appendToken: true,
    WebSocket: WebSocket as unknown as ServerConnection.ISettings["WebSocket"],
  });
  const manager = new KernelManager({ serverSettings });
  await manager.ready;
  const began = performance.now();
  const kernels: Kernel.IKernelConnection[] = [];
  try {
    // Start latency: from the request to start until the kernel has run its first cell.
    const startTimes = await Promise.all(
      Array.from({ length: n }, async () => {
        const kernel = await manager.startNew({ name: jupyter.kernelName });
        kernels.push(kernel);
        await execute(kernel, "1");
        return performance.now() - began;
      }),
    );
    const rates = await Promise.all(
      kernels.map(async (kernel) => Number(/@rate (\d+)/.exec(await execute(kernel, TRAINING_CELL))?.[1])),
    );
    const pids = processesMentioning(`${jupyter.runtimeDir}/kernel-`);
    if (pids.length !== n)
      throw new Error(
        `${n} kernels were started but ${pids.length} kernel processes run; server log:\n${server.log()}`,
      );
    const rss = pids.map(residentMiB);
    const wallS = (performance.now() - began) / 1000;
    startTimes.sort((a, b) => a - b);
    return {
      kernels: n,
      startMedianMs: startTimes[Math.floor((n - 1) / 2)],
      startMaxMs: startTimes[n - 1],
      rssMiB: rss.reduce((a, b) => a + b, 0) / n,
      perKernelRate: rates.reduce((a, b) => a + b, 0) / n,
      totalRate: rates.reduce((a, b) => a + b, 0),
      wallS,
    };
  } finally {
    await Promise.all(kernels.map((kernel) => kernel.shutdown().catch(() => undefined)));
    manager.dispose();
  }
}

/** Runs a cell; returns its stdout, or throws with the kernel's error. */
async function execute(kernel: Kernel.IKernelConnection, code: string): Promise<string> {
  let stdout = "";
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    if (msg.header.msg_type === "stream") stdout += (msg as KernelMessage.IStreamMsg).content.text;
  };
  const reply = await future.done;
  if (reply.content.status !== "ok") {
    const error =
      reply.content.status === "error" ? `${reply.content.ename}: ${reply.content.evalue}` : reply.content.status;
    throw new Error(`kernel ${kernel.id} failed a cell (${error}):\n${code}`);
  }
  return stdout;
}

function residentMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

function report(rows: Row[]): string {
  const header =
    "kernels | start median / max (ms) | RSS per kernel (MiB) | samples/s per kernel | samples/s total | round (s)";
  const lines = rows.map(
    (r) =>
      `${String(r.kernels).padStart(7)} | ${`${r.startMedianMs.toFixed(0)} / ${r.startMaxMs.toFixed(0)}`.padStart(23)} | ` +
      `${r.rssMiB.toFixed(0).padStart(20)} | ${r.perKernelRate.toFixed(0).padStart(20)} | ${r.totalRate.toFixed(0).padStart(15)} | ${r.wallS.toFixed(1).padStart(9)}`,
  );
  return [
    `N nnlab kernels on one jupyter server, each training a 32-64-10 MLP on ${SAMPLES} samples for ${EPOCHS} epochs; all kernels finished, none died.`,
    header,
    ...lines,
  ].join("\n");
}
