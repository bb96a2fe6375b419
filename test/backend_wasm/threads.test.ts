import { beforeAll, describe, expect, it } from "vitest";
import { WasmKernels } from "../../runtime/backend/wasm/kernels";
import { buildWasmKernels } from "./kernels_build";

describe("wasm worker threads", () => {
  let kernels: WasmKernels;
  beforeAll(() => {
    buildWasmKernels();
    kernels = new WasmKernels(2);
  });

  it("run one kernel on every thread over the shared memory", () => {
    const { heap } = kernels;
    const x = heap.alloc(8 * 4);
    const y = heap.alloc(8 * 4);
    heap.f32.set([-1, 2, -3, 4, -5, 6, -7, 8], x.ptr >> 2);
    kernels.parallel("unaryRelu", (t) => [x.ptr + t * 16, y.ptr + t * 16, 4, 0]);
    expect(Array.from(heap.f32.subarray(y.ptr >> 2, (y.ptr >> 2) + 8))).toEqual([0, 2, 0, 4, 0, 6, 0, 8]);
  });

  it("report a kernel that traps on a worker, then keep working", () => {
    const { heap } = kernels;
    const x = heap.alloc(4 * 4);
    const y = heap.alloc(4 * 4);
    heap.f32.set([-1, 1, -2, 2], x.ptr >> 2);
    // Thread 1 reads far past the end of the memory.
    expect(() => kernels.parallel("unaryRelu", (t) => [t === 1 ? 0x7fff0000 : x.ptr, y.ptr, 4, 0])).toThrow(
      /trapped on worker thread 1/,
    );
    kernels.parallel("unaryRelu", () => [x.ptr, y.ptr, 4, 0]);
    expect(Array.from(heap.f32.subarray(y.ptr >> 2, (y.ptr >> 2) + 4))).toEqual([0, 1, 0, 2]);
  });
});

describe("idle wasm worker threads", () => {
  it("park after idling, give their thread back, and come back for the next kernel call with correct results", async () => {
    const kernels = new WasmKernels(3, { idleMs: 200 });
    const { heap } = kernels;
    const x = heap.alloc(12 * 4);
    const y = heap.alloc(12 * 4);
    heap.f32.set([-1, 2, -3, 4, -5, 6, -7, 8, -9, 10, -11, 12], x.ptr >> 2);
    const relu = () => {
      heap.f32.fill(-99, y.ptr >> 2, (y.ptr >> 2) + 12);
      kernels.parallel("unaryRelu", (t) => [x.ptr + t * 16, y.ptr + t * 16, 4, 0]);
      return Array.from(heap.f32.subarray(y.ptr >> 2, (y.ptr >> 2) + 12));
    };
    const want = [0, 2, 0, 4, 0, 6, 0, 8, 0, 10, 0, 12];
    expect(relu()).toEqual(want);
    expect(kernels.pool.liveWorkers).toBe(2);
    expect(kernels.pool.started).toBe(2);

    const deadline = Date.now() + 10_000;
    while (kernels.pool.liveWorkers > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(kernels.pool.liveWorkers).toBe(0);

    for (let round = 0; round < 3; round++) expect(relu()).toEqual(want);
    expect(kernels.pool.liveWorkers).toBe(2);
    expect(kernels.pool.started).toBe(4);
  });

  it("never park while busy: calls closer together than the idle time keep the same workers", () => {
    const kernels = new WasmKernels(2, { idleMs: 200 });
    const { heap } = kernels;
    const x = heap.alloc(8 * 4);
    const y = heap.alloc(8 * 4);
    const until = Date.now() + 600;
    while (Date.now() < until) kernels.parallel("unaryRelu", (t) => [x.ptr + t * 16, y.ptr + t * 16, 4, 0]);
    expect(kernels.pool.started).toBe(1);
  });
});
