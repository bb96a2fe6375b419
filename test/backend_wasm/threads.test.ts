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
