/**
 * The wasm kernels' shared linear memory and the allocator that hands out
 * tensor buffers inside it. Freed blocks are kept in per-size free lists and
 * handed back for the next request of the same size, so a training loop that
 * allocates the same shapes every batch stops allocating after its first step.
 */

import { WebAssemblyApi, type WasmMemory } from "./wasm-api";

/** Byte offset and size of one block inside the shared memory. */
export interface Block {
  readonly ptr: number;
  readonly bytes: number;
}

const PAGE = 65536;
/** Must equal --maximumMemory in build.mjs (pages); 2 GiB of reserved address space. */
export const MAX_PAGES = 32768;
const INITIAL_PAGES = 64;
/** The kernels have no static data; keep the first page unused so a null pointer never aliases a tensor. */
const HEAP_BASE = PAGE;
/** Cache-line alignment keeps SIMD loads of one row from straddling lines needlessly. */
const ALIGN = 64;

export class Heap {
  readonly memory: WasmMemory = new WebAssemblyApi.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  f32 = new Float32Array(this.memory.buffer);
  i32 = new Int32Array(this.memory.buffer);
  private top = HEAP_BASE;
  private readonly free = new Map<number, number[]>();
  /** Pointers of live blocks: a second release of one would hand the same memory to two tensors. */
  private readonly live = new Set<number>();
  private liveBytes = 0;

  /** A block of at least `bytes` bytes (64-byte aligned, contents undefined). */
  alloc(bytes: number): Block {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const cached = this.free.get(size);
    const ptr = cached !== undefined && cached.length > 0 ? (cached.pop() as number) : this.bump(size);
    this.liveBytes += size;
    this.live.add(ptr);
    return { ptr, bytes: size };
  }

  release(block: Block): void {
    if (!this.live.delete(block.ptr)) {
      throw new Error(`wasm backend: storage at ${block.ptr} released twice (or never allocated); a handle must be disposed exactly once`);
    }
    let list = this.free.get(block.bytes);
    if (list === undefined) {
      list = [];
      this.free.set(block.bytes, list);
    }
    list.push(block.ptr);
    this.liveBytes -= block.bytes;
  }

  /** Bytes held by live blocks and the high-water mark of the heap. */
  usage(): { liveBytes: number; heapBytes: number } {
    return { liveBytes: this.liveBytes, heapBytes: this.top };
  }

  private bump(size: number): number {
    const ptr = this.top;
    const end = ptr + size;
    if (end > this.memory.buffer.byteLength) this.grow(end);
    this.top = end;
    return ptr;
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength / PAGE;
    // Grow geometrically so a growing workload does not grow page by page.
    const want = Math.min(MAX_PAGES, Math.max(Math.ceil(end / PAGE), Math.ceil(have * 1.5)));
    if (end > MAX_PAGES * PAGE) {
      throw new RangeError(
        `wasm backend: out of memory: ${(end / 2 ** 20).toFixed(0)} MiB needed, the limit is ${MAX_PAGES * PAGE / 2 ** 20} MiB; ` +
          `dispose tensors you no longer need (nn.tidy) or use a smaller batch`,
      );
    }
    this.memory.grow(want - have);
    // A shared memory's old buffer object keeps its old length: views must be remade.
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }
}
