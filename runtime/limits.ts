/**
 * The CPU and memory this process may use, as a shared server (JupyterHub)
 * limits it: the spawner's limits in the environment (`CPU_LIMIT`, a float
 * such as "0.5"; `MEM_LIMIT`, bytes) and the cgroup the process runs in
 * (cgroup v2 `cpu.max` / `memory.max`; cgroup v1 `cpu.cfs_quota_us` /
 * `memory.limit_in_bytes` as a fallback). Where several apply, the smallest
 * wins. A limit on a cgroup above ours applies too, so every directory from
 * ours up to the hierarchy's root is read.
 *
 * The parsing is pure (text in, numbers out) so it can be tested without a
 * cgroup; `systemLimits()` reads this machine once and caches the answer.
 */
import { readFileSync } from "node:fs";
import { posix } from "node:path";

/** A limit and where it came from, for messages ("MEM_LIMIT", "cgroup /sys/fs/cgroup/memory.max"). */
export interface Limit {
  value: number;
  source: string;
}

export interface Limits {
  /** CPUs (fractional), if limited. */
  cpus?: Limit;
  /** Bytes, if limited. */
  memoryBytes?: Limit;
}

/** Reads a file's text, undefined when it does not exist or cannot be read. */
export type ReadText = (path: string) => string | undefined;

const CGROUP_ROOT = "/sys/fs/cgroup";

/** cgroup v1 writes "no limit" as a huge number near 2^63 (rounded to a page); anything past 2^60 is none. */
const V1_UNLIMITED = 2 ** 60;

/** `cpu.max` ("max 100000" or "quota period") as CPUs; undefined for no limit or text that is not one. */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === "max") return undefined;
  const q = Number(quota);
  const p = period === undefined ? 100_000 : Number(period);
  return q > 0 && p > 0 && Number.isFinite(q) && Number.isFinite(p) ? q / p : undefined;
}

/** `memory.max` ("max" or bytes), or v1's `memory.limit_in_bytes`; undefined for no limit. */
export function parseMemoryMax(text: string): number | undefined {
  const t = text.trim();
  if (t === "max") return undefined;
  const n = Number(t);
  return Number.isInteger(n) && n > 0 && n < V1_UNLIMITED ? n : undefined;
}

/** `CPU_LIMIT`: a positive number of CPUs; undefined when unset, empty or not one. */
export function parseCpuLimitEnv(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

const UNITS: Record<string, number> = { "": 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/**
 * `MEM_LIMIT`: bytes, as JupyterHub passes it ("536870912"); a K/M/G/T suffix
 * (binary, as JupyterHub's own "512M") is understood too. Undefined when
 * unset, empty, zero or not a size.
 */
export function parseMemLimitEnv(value: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(value ?? "");
  if (!m) return undefined;
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2].toUpperCase()]);
  return bytes > 0 ? bytes : undefined;
}

/**
 * The directories to read for `controller`, from this process's cgroup up to
 * the hierarchy's root, given /proc/self/cgroup's text. cgroup v2 ("0::/a/b")
 * has one hierarchy at `root`; a v1 controller has its own under
 * `root/<controller>`. Inside a container the path seen in /proc may not
 * exist under its mount; reading the missing directories simply finds nothing.
 */
export function cgroupDirs(
  procSelfCgroup: string,
  controller: "cpu" | "memory",
  version: 1 | 2,
  root = CGROUP_ROOT,
): string[] {
  const dirs: string[] = [];
  const addPath = (base: string, path: string) => {
    for (let dir = posix.join(base, path).replace(/(.)\/+$/, "$1"); dir.startsWith(base); dir = posix.dirname(dir)) {
      dirs.push(dir);
      if (dir === base) break;
    }
  };
  for (const line of procSelfCgroup.split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(\/.*)$/.exec(line.trim()) ?? [];
    if (path === undefined) continue;
    if (version === 2 && controllers === "") addPath(root, path);
    // A v1 controller is mounted under its list's name ("cpu,cpuacct"), often also under its own.
    if (version === 1 && controllers.split(",").includes(controller)) {
      addPath(posix.join(root, controllers), path);
      if (controllers !== controller) addPath(posix.join(root, controller), path);
    }
  }
  return [...new Set(dirs)];
}

/** The smallest of the limits that are set, or undefined. */
function smallest(limits: (Limit | undefined)[]): Limit | undefined {
  let best: Limit | undefined;
  for (const l of limits) if (l !== undefined && (best === undefined || l.value < best.value)) best = l;
  return best;
}

/** Pure: the limits given the environment, /proc/self/cgroup's text and a way to read cgroup files. */
export function readLimits(env: NodeJS.ProcessEnv, procSelfCgroup: string, read: ReadText, root = CGROUP_ROOT): Limits {
  const cpuEnv = parseCpuLimitEnv(env.CPU_LIMIT);
  const memEnv = parseMemLimitEnv(env.MEM_LIMIT);
  const fromFiles = (files: string[], parse: (text: string) => number | undefined): Limit | undefined =>
    smallest(
      files.map((file) => {
        const text = read(file);
        const value = text === undefined ? undefined : parse(text);
        return value === undefined ? undefined : { value, source: `cgroup ${file}` };
      }),
    );
  const v2cpu = cgroupDirs(procSelfCgroup, "cpu", 2, root).map((d) => posix.join(d, "cpu.max"));
  const v2mem = cgroupDirs(procSelfCgroup, "memory", 2, root).map((d) => posix.join(d, "memory.max"));
  const v1cpuDirs = cgroupDirs(procSelfCgroup, "cpu", 1, root);
  const v1cpu = smallest(
    v1cpuDirs.map((d) => {
      const quota = read(posix.join(d, "cpu.cfs_quota_us"));
      const period = read(posix.join(d, "cpu.cfs_period_us"));
      const cpus =
        quota === undefined || period === undefined
          ? undefined
          : parseCpuMax(`${quota.trim() === "-1" ? "max" : quota} ${period}`);
      return cpus === undefined ? undefined : { value: cpus, source: `cgroup ${posix.join(d, "cpu.cfs_quota_us")}` };
    }),
  );
  const v1mem = cgroupDirs(procSelfCgroup, "memory", 1, root).map((d) => posix.join(d, "memory.limit_in_bytes"));
  return {
    cpus: smallest([
      cpuEnv === undefined ? undefined : { value: cpuEnv, source: "CPU_LIMIT" },
      fromFiles(v2cpu, parseCpuMax),
      v1cpu,
    ]),
    memoryBytes: smallest([
      memEnv === undefined ? undefined : { value: memEnv, source: "MEM_LIMIT" },
      fromFiles(v2mem, parseMemoryMax),
      fromFiles(v1mem, parseMemoryMax),
    ]),
  };
}

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

let cached: Limits | undefined;

/** This process's limits: read once (the environment and cgroup files), then cached. */
export function systemLimits(): Limits {
  cached ??= readLimits(process.env, readText("/proc/self/cgroup") ?? "", readText);
  return cached;
}

/** The most threads `threadsFor` suggests, whatever the core count. */
const MAX_THREADS = 16;

/**
 * Pure: how many threads to run given the cores this process may run on
 * (os.availableParallelism(), which follows its CPU affinity) and its CPU
 * limit. Whole CPUs only, rounded down, at least 1: the pool's threads meet
 * at the end of every op, so a thread the quota throttles stalls the others
 * (1.5 CPUs run 1 thread, not 2 that each get 75 %). At most MAX_THREADS.
 */
export function threadsFor(availableParallelism: number, cpus: Limit | undefined): { threads: number; rule: string } {
  let threads = Math.min(availableParallelism, MAX_THREADS);
  let rule = threads < availableParallelism ? `${MAX_THREADS} at most` : `${availableParallelism} cores available`;
  if (cpus !== undefined && Math.floor(cpus.value) < threads) {
    threads = Math.floor(cpus.value);
    rule = `${cpus.source} allows ${cpus.value} CPUs`;
  }
  return { threads: Math.max(1, threads), rule };
}
