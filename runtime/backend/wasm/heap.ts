/**
 * The wasm kernels' shared linear memory and the allocator that hands out
 * tensor buffers inside it. A WebAssembly memory never shrinks, so freed
 * space must be reused well: free blocks are kept sorted by address,
 * neighbours merge, a request takes the smallest free block that fits (the
 * rest stays free), and a free block at the top of the heap returns to the
 * untouched region. A training loop allocates the same sizes every batch and
 * stops growing the heap after its first step; evaluation at another batch
 * size reuses the space training freed instead of adding its own.
 */

import { checkMemory } from "../../memory_limit";
import { WebAssemblyApi, type WasmMemory } from "./wasm_api";

/** Byte offset and size of one block inside the shared memory. */
export interface Block {
  readonly ptr: number;
  readonly bytes: number;
}

const PAGE = 65536;
/** Must equal --maximumMemory in build.mjs (pages); 2 GiB of reserved address space. */
const MAX_PAGES = 32768;
const INITIAL_PAGES = 64;
/** The kernels have no static data; keep the first page unused so a null pointer never aliases a tensor. */
const HEAP_BASE = PAGE;
/** Cache-line alignment keeps SIMD loads of one row from straddling lines needlessly. */
const ALIGN = 64;

export class Heap {
  readonly memory: WasmMemory = new WebAssemblyApi.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
  f32 = new Float32Array(this.memory.buffer);
  i32 = new Int32Array(this.memory.buffer);
  /** End of the allocated region; everything above it is unused. */
  private top = HEAP_BASE;
  /** The highest `top` so far: memory below it has been touched and stays resident. */
  private highWater = HEAP_BASE;
  /** Free blocks below `top`, sorted by address, never adjacent (adjacent ones are merged). */
  private readonly freePtrs: number[] = [];
  private readonly freeSizes: number[] = [];
  /** Pointers of live blocks: a second release of one would hand the same memory to two tensors. */
  private readonly live = new Set<number>();
  private liveBytes = 0;

  /** A block of at least `bytes` bytes (64-byte aligned, contents undefined). */
  alloc(bytes: number): Block {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const ptr = this.takeFree(size) ?? this.bump(size);
    this.liveBytes += size;
    this.live.add(ptr);
    return { ptr, bytes: size };
  }

  release(block: Block): void {
    if (!this.live.delete(block.ptr)) {
      throw new Error(
        `wasm backend: storage at ${block.ptr} released twice (or never allocated); a handle must be disposed exactly once`,
      );
    }
    this.liveBytes -= block.bytes;
    this.addFree(block.ptr, block.bytes);
  }

  /**
   * Bytes of memory `alloc(bytes)` would touch for the first time (the
   * heap's growth past its high-water mark): 0 when a free block fits.
   */
  growthFor(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    if (this.freeSizes.some((s) => s >= size)) return 0;
    return Math.max(0, this.top + size - this.highWater);
  }

  /** Bytes held by live blocks and the high-water mark of the heap. */
  usage(): { liveBytes: number; heapBytes: number } {
    return { liveBytes: this.liveBytes, heapBytes: this.highWater };
  }

  /** Best fit: the smallest free block of at least `size` bytes, split when larger. */
  private takeFree(size: number): number | undefined {
    let best = -1;
    for (let i = 0; i < this.freeSizes.length; i++) {
      const s = this.freeSizes[i];
      if (s >= size && (best < 0 || s < this.freeSizes[best])) {
        best = i;
        if (s === size) break;
      }
    }
    if (best < 0) return undefined;
    const ptr = this.freePtrs[best];
    if (this.freeSizes[best] === size) {
      this.freePtrs.splice(best, 1);
      this.freeSizes.splice(best, 1);
    } else {
      this.freePtrs[best] += size;
      this.freeSizes[best] -= size;
    }
    return ptr;
  }

  private addFree(ptr: number, size: number): void {
    // Binary search for the first free block above ptr.
    let lo = 0;
    let hi = this.freePtrs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.freePtrs[mid] < ptr) lo = mid + 1;
      else hi = mid;
    }
    let at = lo;
    let start = ptr;
    let end = ptr + size;
    if (at > 0 && this.freePtrs[at - 1] + this.freeSizes[at - 1] === start) {
      at--;
      start = this.freePtrs[at];
      this.freePtrs.splice(at, 1);
      this.freeSizes.splice(at, 1);
    }
    if (at < this.freePtrs.length && this.freePtrs[at] === end) {
      end += this.freeSizes[at];
      this.freePtrs.splice(at, 1);
      this.freeSizes.splice(at, 1);
    }
    if (end === this.top) {
      this.top = start;
      return;
    }
    this.freePtrs.splice(at, 0, start);
    this.freeSizes.splice(at, 0, end - start);
  }

  private bump(size: number): number {
    const ptr = this.top;
    const end = ptr + size;
    // Memory past the high-water mark becomes resident now: the memory limit's check (tensors were
    // checked with their shape already; this catches scratch and temporary buffers).
    if (end > this.highWater)
      checkMemory(
        () => end - this.highWater,
        () => `the wasm backend (a ${mib(size)} buffer)`,
      );
    if (end > this.memory.buffer.byteLength) this.grow(end);
    this.top = end;
    if (end > this.highWater) this.highWater = end;
    return ptr;
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength / PAGE;
    // Grow geometrically so a growing workload does not grow page by page.
    const want = Math.min(MAX_PAGES, Math.max(Math.ceil(end / PAGE), Math.ceil(have * 1.5)));
    if (end > MAX_PAGES * PAGE) {
      throw new RangeError(
        `wasm backend: out of memory: ${(end / 2 ** 20).toFixed(0)} MiB needed, the limit is ${(MAX_PAGES * PAGE) / 2 ** 20} MiB; ` +
          `dispose tensors you no longer need (nn.tidy) or use a smaller batch`,
      );
    }
    this.memory.grow(want - have);
    // A shared memory's old buffer object keeps its old length: views must be remade.
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }
}

function mib(bytes: number): string {
  return `${Math.ceil(bytes / 2 ** 20)} MiB`;
}
