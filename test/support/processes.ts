/**
 * Child processes that tests start and always stop: each runs in its own process group, so stopping it
 * takes its children too, and processes that escaped into their own sessions (Jupyter starts kernels with
 * `start_new_session`) are found by a marker in their command line and stopped as well.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** How long to wait, after a process exits, for the rest of its output. */
const OUTPUT_DRAIN_MS = 2000;

export interface Started {
  child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function startProcess(command: string, args: string[], options: StartOptions = {}): Started {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      // Output still in the pipes arrives after "exit"; "close" waits for it, but never resolves while a
      // grandchild (a kernel in its own session) holds the pipes open, hence the bound.
      const timer = setTimeout(() => resolve({ code, signal }), OUTPUT_DRAIN_MS);
      child.once("close", () => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
    child.once("error", (error) => {
      output += `\n[could not start ${command}: ${error.message}]`;
      resolve({ code: null, signal: null });
    });
  });
  const stop = async (graceMs = 5000): Promise<void> => {
    if (child.pid === undefined) return;
    if (child.exitCode !== null || child.signalCode !== null) {
      signalGroup(child.pid, "SIGKILL"); // members the leader left behind
      return;
    }
    signalGroup(child.pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(child.pid as number, "SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
    signalGroup(child.pid, "SIGKILL");
  };
  return { child, output: () => output, exited, stop };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command to completion in its own group; after `timeoutMs` the group is killed. */
export async function runProcess(
  command: string,
  args: string[],
  options: StartOptions & { timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = startProcess(command, args, options);
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void started.stop(1000);
  }, timeoutMs);
  try {
    const { code, signal } = await started.exited;
    const note = timedOut ? `\n[${command} ${args.join(" ")} was killed after ${timeoutMs} ms]` : "";
    return { code, signal, output: started.output() + note };
  } finally {
    clearTimeout(timer);
    await started.stop(1000);
  }
}

/**
 * The processes of this machine whose command line contains `marker`, a path unique to one test, such as
 * its temporary runtime directory that the kernels' connection files live in.
 */
export function processesMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) found.push(pid);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/**
 * The processes of this machine whose environment holds `entry` ("NAME=value") exactly: a marker that a
 * test puts into the environment of what it starts, which children inherit whatever their command line.
 */
export function processesWithEnvironment(entry: string): number[] {
  const found: number[] = [];
  for (const entryName of readdirSync("/proc")) {
    const pid = Number(entryName);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(entry)) found.push(pid);
    } catch {
      // exited while we looked, or not ours to read
    }
  }
  return found;
}

/** SIGKILLs every process whose command line contains `marker`; returns their ids. */
export function killProcessesMentioning(marker: string): number[] {
  const pids = processesMentioning(marker);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already empty
  }
}

/** Parent of every process of this machine, from /proc/PID/stat. */
export function parentsOfAll(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited while we looked
    }
  }
  return parents;
}

/** `pid` and all its descendants that are alive now. */
export function processTree(pid: number, parents: Map<number, number> = parentsOfAll()): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree.filter((p) => parents.has(p));
}

/** A field of /proc/PID/status as a number (VmRSS in kB, Threads), or 0 for a process that is gone. */
export function statusField(pid: number, field: "VmRSS" | "VmHWM" | "Threads"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of these processes together, in MiB. */
export function residentMiB(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + statusField(pid, "VmRSS"), 0) / 1024;
}

/** The command line of a process, arguments joined by spaces ("" when it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}
