/**
 * Kernel section of `npm run bench`: nnlab and tslab started as Jupyter starts them, measured in the same
 * run over real ZeroMQ: process start to the first kernel_info_reply, process start to the output of a
 * first `1+1`, the `1+1` round trip (median and p95), and the resident memory after start.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createJupyterEnv } from "../support/jupyter_env";
import { REPO_ROOT } from "../support/paths";
import { type Started, startProcess } from "../support/processes";
import type { WireMessage } from "../../kernel/protocol/wire";
import { KernelClient } from "./kernel_client";

/** Cold starts per kernel (interleaved, so load on the shared machine hits both alike); figures are medians. */
const STARTS = Number(process.env.NNLAB_BENCH_STARTS ?? 3);
/** Timed `1+1` round trips per start, after a few untimed ones. */
const ROUND_TRIPS = 100;
const WARM_UP = 5;

export async function runKernelBench(): Promise<string> {
  const loadBefore = loadavg()[0];
  const kernels: KernelUnderTest[] = [await nnlabKernel(), tslabKernel()];
  const samples = new Map<string, StartSample[]>(kernels.map((k) => [k.name, []]));
  const failures = new Map(kernels.flatMap((k) => (k.unavailable ? [[k.name, k.unavailable] as const] : [])));
  try {
    for (let start = 0; start < STARTS; start++) {
      for (const kernel of kernels) {
        if (failures.has(kernel.name)) continue;
        try {
          samples.get(kernel.name)?.push(await measureStart(kernel));
        } catch (error) {
          failures.set(kernel.name, (error as Error).message);
        }
      }
    }
  } finally {
    for (const kernel of kernels) kernel.dispose();
  }
  const machine = `${cpus().length} cores, load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after`;
  return report(kernels, samples, failures, machine);
}

interface KernelUnderTest {
  name: string;
  /** Why this kernel cannot be started here, if it cannot. */
  unavailable?: string;
  /** The command line, with the connection file filled in. */
  argv(connectionFile: string): string[];
  env: NodeJS.ProcessEnv;
  dispose(): void;
}

interface StartSample {
  startToInfoMs: number;
  startToFirstResultMs: number;
  rssMiB: number;
  roundTripsMs: number[];
}

/** nnlab exactly as its kernelspec says (from `nnlab install --prefix` into a temporary prefix). */
async function nnlabKernel(): Promise<KernelUnderTest> {
  try {
    const jupyter = await createJupyterEnv();
    const { argv, env } = jupyter.kernelSpec as { argv: string[]; env?: Record<string, string> };
    return {
      name: "nnlab",
      argv: (file) => argv.map((arg) => arg.replace("{connection_file}", file)),
      env: { ...process.env, ...env },
      dispose: () => jupyter.dispose(),
    };
  } catch (error) {
    return {
      name: "nnlab",
      unavailable: `could not install its kernelspec: ${(error as Error).message}`,
      argv: () => [],
      env: process.env,
      dispose: () => {},
    };
  }
}

/** tslab as its kernelspec starts it (`tslab kernel --config-path {connection_file}`), from this checkout. */
function tslabKernel(): KernelUnderTest {
  const bin = path.join(REPO_ROOT, "node_modules", "tslab", "bin", "tslab");
  return {
    name: "tslab",
    argv: (file) => [process.execPath, bin, "kernel", "--config-path", file],
    env: process.env,
    dispose: () => {},
  };
}

async function measureStart(kernel: KernelUnderTest): Promise<StartSample> {
  const dir = mkdtempSync(path.join(tmpdir(), `nnlab-bench-${kernel.name}-`));
  let client: KernelClient | undefined;
  let child: Started | undefined;
  try {
    const connectionFile = path.join(dir, "connection.json");
    client = await KernelClient.create(connectionFile);
    const [command, ...args] = kernel.argv(connectionFile);
    const startedAt = performance.now();
    const started = startProcess(command, args, { cwd: REPO_ROOT, env: kernel.env });
    child = started;
    const exited = started.exited.then(({ code, signal }) => {
      throw new Error(`${kernel.name} exited (${signal ?? code}) during the bench:\n${started.output().slice(-2000)}`);
    });
    exited.catch(() => undefined); // raced below; exiting after the bench is expected
    const within = <T>(work: Promise<T>): Promise<T> => Promise.race([work, exited]);

    const info = await within(client.request("kernel_info_request", {}));
    const first = await within(client.execute("1+1"));
    const firstText = outputText(first.iopub);
    if (!firstText.includes("2")) throw new Error(`the first 1+1 gave ${JSON.stringify(firstText)}, not 2`);
    const rssMiB = groupRssMiB(started.child.pid as number);
    const roundTripsMs: number[] = [];
    for (let i = 0; i < WARM_UP + ROUND_TRIPS; i++) {
      const exchange = await within(client.execute("1+1"));
      if (i >= WARM_UP) roundTripsMs.push(Math.max(exchange.replyAt, exchange.idleAt ?? 0) - exchange.sentAt);
    }
    return {
      startToInfoMs: info.replyAt - startedAt,
      startToFirstResultMs: (first.outputAt ?? first.replyAt) - startedAt,
      rssMiB,
      roundTripsMs,
    };
  } finally {
    client?.close();
    await child?.stop(2000);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of a request's result or printed output (tslab prints results instead of sending execute_result). */
function outputText(iopub: WireMessage[]): string {
  return iopub
    .map(({ header, content }) => {
      if (header.msg_type === "stream") return String(content.text);
      const data = content.data as Record<string, unknown> | undefined;
      const text = data?.["text/plain"];
      return typeof text === "string" ? text : "";
    })
    .join("");
}

/** Resident memory of the kernel's whole process group (a kernel may run helpers beside its main process). */
function groupRssMiB(pgid: number): number {
  let kib = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const group = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (group !== pgid) continue;
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      kib += Number(rss?.[1] ?? 0);
    } catch {
      // exited while we looked
    }
  }
  return kib / 1024;
}

interface Row {
  label: string;
  value(samples: StartSample[]): number;
  unit: "s" | "ms" | "MiB";
  /** The goal as a ratio nnlab/tslab that must not be exceeded. */
  goal?: number;
}

const ROWS: Row[] = [
  { label: "start -> kernel_info_reply", value: (s) => median(s.map((x) => x.startToInfoMs)), unit: "s" },
  {
    label: "start -> first 1+1 result",
    value: (s) => median(s.map((x) => x.startToFirstResultMs)),
    unit: "s",
    goal: 0.6,
  },
  { label: "1+1 round trip, median", value: (s) => median(s.flatMap((x) => x.roundTripsMs)), unit: "ms", goal: 1 },
  {
    label: "1+1 round trip, p95",
    value: (s) =>
      percentile(
        s.flatMap((x) => x.roundTripsMs),
        0.95,
      ),
    unit: "ms",
  },
  { label: "RSS after start", value: (s) => median(s.map((x) => x.rssMiB)), unit: "MiB", goal: 1 },
];

function report(
  kernels: KernelUnderTest[],
  samples: Map<string, StartSample[]>,
  failures: Map<string, string>,
  machine: string,
): string {
  const [ours, theirs] = kernels.map((k) => samples.get(k.name) ?? []);
  const lines = [
    `Kernel: nnlab vs tslab, same run; median of ${STARTS} cold starts, ${ROUND_TRIPS} round trips per start`,
    `(${machine}: figures on a busy machine are slower, the ratios less so)`,
    `${"".padEnd(30)}${"nnlab".padStart(12)}${"tslab".padStart(12)}${"nnlab/tslab".padStart(13)}   goal`,
  ];
  for (const row of ROWS) {
    const a = ours.length ? row.value(ours) : NaN;
    const b = theirs.length ? row.value(theirs) : NaN;
    const ratio = a / b;
    const goal =
      row.goal === undefined
        ? ""
        : `<= ${row.goal}x ${Number.isFinite(ratio) ? (ratio <= row.goal ? "met" : "NOT MET") : "unmeasured"}`;
    lines.push(
      `${row.label.padEnd(30)}${format(a, row.unit).padStart(12)}${format(b, row.unit).padStart(12)}` +
        `${(Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : "-").padStart(13)}   ${goal}`,
    );
  }
  for (const [name, message] of failures) lines.push(`${name} FAILED: ${message}`);
  return lines.join("\n");
}

function format(value: number, unit: Row["unit"]): string {
  if (!Number.isFinite(value)) return "-";
  if (unit === "s") return `${(value / 1000).toFixed(2)} s`;
  if (unit === "ms") return `${value.toFixed(1)} ms`;
  return `${value.toFixed(0)} MiB`;
}

function median(values: number[]): number {
  return percentile(values, 0.5);
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
