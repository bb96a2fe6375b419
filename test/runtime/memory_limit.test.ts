import { describe, expect, it } from "vitest";
import { Heap } from "../../runtime/backend/wasm/heap";
import { MemoryGuard, MemoryLimitError, reserveFor } from "../../runtime/memory_limit";

const MiB = 2 ** 20;

/** A process whose RSS is `base` plus what was granted and then "touched". */
function fakeProcess(base: number) {
  const state = { rss: base, reads: 0 };
  return { state, rss: () => (state.reads++, state.rss) };
}

describe("the memory limit guard", () => {
  it("keeps 10 % of the limit free, at most 64 MiB", () => {
    expect(reserveFor(512 * MiB)).toBe(Math.floor(51.2 * MiB));
    expect(reserveFor(8192 * MiB)).toBe(64 * MiB);
  });

  it("refuses growth past the limit with the sizes, the limit and where it came from", () => {
    const p = fakeProcess(200 * MiB);
    const guard = new MemoryGuard({ value: 512 * MiB, source: "MEM_LIMIT" }, p.rss);
    const attempt = () => guard.check(1024 * MiB, () => "zeros: a tensor of shape [16384,16384] float32");
    expect(attempt).toThrow(MemoryLimitError);
    expect(attempt).toThrow(
      "zeros: a tensor of shape [16384,16384] float32 needs 1,024 MiB more memory; with the 200 MiB this kernel uses now " +
        "this would need 1,224 MiB; the limit is 512 MiB (MEM_LIMIT), of which 52 MiB stay free",
    );
    // Growth that fits under the limit less its reserve passes; one byte more does not.
    const usable = 512 * MiB - reserveFor(512 * MiB);
    expect(() => guard.check(usable - 200 * MiB, () => "a")).not.toThrow();
    p.state.rss = usable; // the granted memory was touched
    expect(() => guard.check(1, () => "b")).toThrow(/b needs 1 MiB more memory/);
  });

  it("does not read the RSS for every small allocation, and reads it again before refusing", () => {
    const p = fakeProcess(100 * MiB);
    const guard = new MemoryGuard({ value: 1024 * MiB, source: "cgroup /sys/fs/cgroup/memory.max" }, p.rss);
    for (let i = 0; i < 1000; i++) guard.check(4096, () => "small");
    expect(p.state.reads).toBe(1);
    // 16 MiB granted since the last reading: read again.
    for (let i = 0; i < 8; i++) guard.check(2 * MiB, () => "medium");
    expect(p.state.reads).toBe(2);
    // The estimate says over, but the collector freed memory meanwhile: a fresh reading lets it pass.
    p.state.rss = 900 * MiB;
    guard.check(16 * MiB, () => "x");
    p.state.rss = 100 * MiB;
    const reads = p.state.reads;
    expect(() => guard.check(15 * MiB, () => "y")).not.toThrow();
    expect(p.state.reads).toBe(reads + 1);
    p.state.rss = 1000 * MiB;
    expect(() => guard.check(15 * MiB, () => "z")).toThrow(
      /the limit is 1,024 MiB \(cgroup \/sys\/fs\/cgroup\/memory.max\)/,
    );
  });

  it("lets nothing through for zero growth, whatever the usage", () => {
    const guard = new MemoryGuard({ value: 64 * MiB, source: "MEM_LIMIT" }, () => 1024 * MiB);
    expect(() => guard.check(0, () => "reuse")).not.toThrow();
  });
});

describe("the wasm heap's growth, which the memory limit counts", () => {
  it("is 0 for a block that freed space serves, and only the part past the high-water mark otherwise", () => {
    const heap = new Heap();
    const a = heap.alloc(4 * MiB);
    const guard = heap.alloc(64);
    heap.release(a);
    expect(heap.growthFor(4 * MiB)).toBe(0);
    expect(heap.growthFor(3 * MiB)).toBe(0);
    expect(heap.growthFor(8 * MiB)).toBe(8 * MiB);
    heap.release(guard);
    // Everything is free again and the top is back at the heap's base: only what lies past the high-water mark is new.
    expect(heap.growthFor(6 * MiB)).toBe(6 * MiB - (heap.usage().heapBytes - 65536));
  });
});
