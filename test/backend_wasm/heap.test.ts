import { describe, expect, it } from "vitest";
import { Heap } from "../../runtime/backend/wasm/heap";

const MiB = 2 ** 20;

describe("wasm heap allocator", () => {
  it("serves a smaller request of another size from freed space instead of growing the heap", () => {
    const heap = new Heap();
    const big = heap.alloc(4 * MiB);
    const guard = heap.alloc(64);
    const high = heap.usage().heapBytes;
    heap.release(big);
    const small = heap.alloc(3 * MiB);
    const rest = heap.alloc(MiB);
    expect(small.ptr).toBe(big.ptr);
    expect(rest.ptr).toBe(big.ptr + 3 * MiB);
    expect(heap.usage().heapBytes).toBe(high);
    [guard, small, rest].forEach((b) => heap.release(b));
  });

  it("merges neighbouring free blocks so that they serve one request of their combined size", () => {
    const heap = new Heap();
    const a = heap.alloc(MiB);
    const b = heap.alloc(MiB);
    const guard = heap.alloc(64);
    heap.release(b);
    heap.release(a);
    const both = heap.alloc(2 * MiB);
    expect(both.ptr).toBe(a.ptr);
    [guard, both].forEach((x) => heap.release(x));
  });

  it("takes the smallest free block that fits, keeping larger ones whole", () => {
    const heap = new Heap();
    const large = heap.alloc(4 * MiB);
    const g1 = heap.alloc(64);
    const fitting = heap.alloc(MiB);
    const g2 = heap.alloc(64);
    heap.release(large);
    heap.release(fitting);
    expect(heap.alloc(MiB).ptr).toBe(fitting.ptr);
    expect(heap.alloc(4 * MiB).ptr).toBe(large.ptr);
    [g1, g2].forEach((x) => heap.release(x));
  });

  it("hands a freed block at the top back to the untouched region, reusable at any size", () => {
    const heap = new Heap();
    const first = heap.alloc(MiB);
    const top = heap.alloc(MiB);
    heap.release(top);
    const larger = heap.alloc(3 * MiB);
    expect(larger.ptr).toBe(top.ptr);
    expect(heap.usage().heapBytes).toBe(top.ptr + 3 * MiB);
    [first, larger].forEach((x) => heap.release(x));
  });

  it("counts live bytes and refuses to release a block twice", () => {
    const heap = new Heap();
    const before = heap.usage().liveBytes;
    const block = heap.alloc(100);
    expect(heap.usage().liveBytes).toBe(before + 128);
    heap.release(block);
    expect(heap.usage().liveBytes).toBe(before);
    expect(() => heap.release(block)).toThrow(/released twice/);
  });
});
