import { describe, expect, it } from "vitest";
import {
  cgroupDirs,
  parseCpuLimitEnv,
  parseCpuMax,
  parseMemLimitEnv,
  parseMemoryMax,
  readLimits,
  threadsFor,
} from "../../runtime/limits";

const MiB = 2 ** 20;

describe("parsing the limits a shared server sets", () => {
  it('reads cgroup v2 cpu.max as CPUs, "max" as none', () => {
    expect(parseCpuMax("max 100000\n")).toBeUndefined();
    expect(parseCpuMax("200000 100000\n")).toBe(2);
    expect(parseCpuMax("50000 100000")).toBe(0.5);
    expect(parseCpuMax("150000")).toBe(1.5);
    expect(parseCpuMax("garbage")).toBeUndefined();
  });

  it('reads memory.max (and v1\'s huge "unlimited") as bytes or none', () => {
    expect(parseMemoryMax("max\n")).toBeUndefined();
    expect(parseMemoryMax("536870912\n")).toBe(512 * MiB);
    expect(parseMemoryMax("9223372036854771712\n")).toBeUndefined();
    expect(parseMemoryMax("")).toBeUndefined();
  });

  it("reads CPU_LIMIT as a float and MEM_LIMIT as bytes, ignoring what is not one", () => {
    expect(parseCpuLimitEnv("1.0")).toBe(1);
    expect(parseCpuLimitEnv("0.5")).toBe(0.5);
    expect(parseCpuLimitEnv("")).toBeUndefined();
    expect(parseCpuLimitEnv("0")).toBeUndefined();
    expect(parseCpuLimitEnv("lots")).toBeUndefined();
    expect(parseCpuLimitEnv(undefined)).toBeUndefined();
    expect(parseMemLimitEnv("536870912")).toBe(512 * MiB);
    expect(parseMemLimitEnv("512M")).toBe(512 * MiB);
    expect(parseMemLimitEnv("1.5G")).toBe(1.5 * 1024 * MiB);
    expect(parseMemLimitEnv("2GiB")).toBe(2048 * MiB);
    expect(parseMemLimitEnv("0")).toBeUndefined();
    expect(parseMemLimitEnv("-5")).toBeUndefined();
    expect(parseMemLimitEnv("a lot")).toBeUndefined();
    expect(parseMemLimitEnv(undefined)).toBeUndefined();
  });

  it("finds this process's cgroup directories up to the root, for v2 and for v1 controllers", () => {
    expect(cgroupDirs("0::/\n", "memory", 2, "/cg")).toEqual(["/cg"]);
    expect(cgroupDirs("0::/user.slice/jupyter-ann.service\n", "cpu", 2, "/cg")).toEqual([
      "/cg/user.slice/jupyter-ann.service",
      "/cg/user.slice",
      "/cg",
    ]);
    const v1 = "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n";
    expect(cgroupDirs(v1, "memory", 1, "/cg")).toEqual(["/cg/memory/docker/abc", "/cg/memory/docker", "/cg/memory"]);
    expect(cgroupDirs(v1, "cpu", 1, "/cg")).toEqual([
      "/cg/cpu,cpuacct/docker/abc",
      "/cg/cpu,cpuacct/docker",
      "/cg/cpu,cpuacct",
      "/cg/cpu/docker/abc",
      "/cg/cpu/docker",
      "/cg/cpu",
    ]);
    expect(cgroupDirs("", "cpu", 2, "/cg")).toEqual([]);
  });
});

describe("the effective limits", () => {
  const files = (entries: Record<string, string>) => (path: string) => entries[path];

  it("takes the smallest of the environment and every cgroup level, and says which it was", () => {
    const cgroup = "0::/user.slice/jupyter-ann.service\n";
    const read = files({
      "/cg/user.slice/jupyter-ann.service/cpu.max": "max 100000",
      "/cg/user.slice/cpu.max": "300000 100000",
      "/cg/user.slice/jupyter-ann.service/memory.max": "1073741824",
      "/cg/memory.max": "max",
    });
    expect(readLimits({}, cgroup, read, "/cg")).toEqual({
      cpus: { value: 3, source: "cgroup /cg/user.slice/cpu.max" },
      memoryBytes: { value: 1024 * MiB, source: "cgroup /cg/user.slice/jupyter-ann.service/memory.max" },
    });
    expect(readLimits({ CPU_LIMIT: "1.0", MEM_LIMIT: "536870912" }, cgroup, read, "/cg")).toEqual({
      cpus: { value: 1, source: "CPU_LIMIT" },
      memoryBytes: { value: 512 * MiB, source: "MEM_LIMIT" },
    });
    expect(readLimits({ CPU_LIMIT: "8", MEM_LIMIT: "4G" }, cgroup, read, "/cg")).toMatchObject({
      cpus: { value: 3 },
      memoryBytes: { value: 1024 * MiB },
    });
  });

  it("reads cgroup v1 quota and memory limits, and finds none where nothing is set", () => {
    const cgroup = "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n0::/\n";
    const read = files({
      "/cg/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "150000\n",
      "/cg/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
      "/cg/cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
      "/cg/cpu,cpuacct/cpu.cfs_period_us": "100000\n",
      "/cg/memory/docker/abc/memory.limit_in_bytes": "268435456\n",
      "/cg/memory/memory.limit_in_bytes": "9223372036854771712\n",
    });
    expect(readLimits({}, cgroup, read, "/cg")).toEqual({
      cpus: { value: 1.5, source: "cgroup /cg/cpu,cpuacct/docker/abc/cpu.cfs_quota_us" },
      memoryBytes: { value: 256 * MiB, source: "cgroup /cg/memory/docker/abc/memory.limit_in_bytes" },
    });
    expect(readLimits({}, "0::/\n", files({}), "/cg")).toEqual({ cpus: undefined, memoryBytes: undefined });
  });
});

describe("the wasm backend's default thread count", () => {
  it("is one per available core, at most 16, without a CPU limit", () => {
    expect(threadsFor(8, undefined).threads).toBe(8);
    expect(threadsFor(64, undefined).threads).toBe(16);
  });

  it("is the CPU limit rounded down, at least 1, never more than the cores", () => {
    expect(threadsFor(8, { value: 2, source: "CPU_LIMIT" })).toEqual({ threads: 2, rule: "CPU_LIMIT allows 2 CPUs" });
    expect(threadsFor(8, { value: 1.5, source: "CPU_LIMIT" }).threads).toBe(1);
    expect(threadsFor(8, { value: 0.5, source: "CPU_LIMIT" }).threads).toBe(1);
    expect(threadsFor(4, { value: 12, source: "cgroup /cg/cpu.max" }).threads).toBe(4);
    expect(threadsFor(64, { value: 32, source: "cgroup /cg/cpu.max" }).threads).toBe(16);
  });
});
