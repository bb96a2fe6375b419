/**
 * Loads the compiled kernels (dist/runtime/backend/wasm/kernels.wasm, built
 * by build.mjs), instantiates them over one shared memory on this thread and
 * on the worker threads, and gives each thread its scratch space.
 */
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { systemLimits, threadsFor } from "../../limits";
import { Heap, type Block } from "./heap";
import { ThreadPool, type Kernel } from "./threads";
import { WebAssemblyApi } from "./wasm_api";

/** The kernels module's exports that the JS side calls. */
export interface KernelExports {
  gemm: Kernel;
  gemmScratchFloats(): number;
  [name: string]: unknown;
}

export class WasmKernels {
  readonly heap: Heap;
  readonly exports: KernelExports;
  readonly pool: ThreadPool;
  /** Per-thread scratch for packing panels and, past them, im2col chunks (see ensureScratch). */
  readonly scratch: Block[] = [];
  private readonly packBytes: number;
  /** 64 bytes where conv and pooling calls write their geometry for the kernels to read. */
  readonly geometry: Block;
  /** The task counter that threads of a `parallelTasks` call claim work from. */
  readonly counter: Block;

  /** Which build of the kernels runs: "relaxed" (fused multiply-add in the GEMM) or "plain" SIMD. */
  readonly simd: SimdFlavour;

  /**
   * `idleMs`: how long a worker thread waits for work before it parks (threads.ts); a later op restarts it.
   * `simd`: which build to load (default NNLAB_WASM_SIMD, else relaxed where the engine accepts it).
   */
  constructor(threads: number = defaultThreads(), options: { idleMs?: number; simd?: SimdFlavour } = {}) {
    this.simd = options.simd ?? defaultSimd();
    const module = new WebAssemblyApi.Module(loadKernels(this.simd));
    this.heap = new Heap();
    this.exports = new WebAssemblyApi.Instance(module, { env: { memory: this.heap.memory } })
      .exports as unknown as KernelExports;
    const names = WebAssemblyApi.Module.exports(module)
      .filter((e) => e.kind === "function")
      .map((e) => e.name);
    this.pool = new ThreadPool(module, this.heap.memory, names, threads, options.idleMs);
    this.packBytes = this.exports.gemmScratchFloats() * 4;
    for (let t = 0; t < threads; t++) this.scratch.push(this.heap.alloc(this.packBytes + DEFAULT_CHUNK_BYTES));
    this.geometry = this.heap.alloc(64);
    this.counter = this.heap.alloc(64);
  }

  get threads(): number {
    return this.pool.threads;
  }

  /**
   * Makes every thread's scratch hold `chunkBytes` past the packing area
   * (an im2col chunk of a very large filter can exceed the default).
   * Only between kernel calls: no thread may be using its scratch.
   */
  ensureScratch(chunkBytes: number): void {
    const need = this.packBytes + chunkBytes;
    this.scratch.forEach((block, t) => {
      if (block.bytes >= need) return;
      this.heap.release(block);
      this.scratch[t] = this.heap.alloc(need);
    });
  }

  /** Runs kernel `name` on every thread, thread t with `argsOf(t)`. */
  parallel(name: string, argsOf: (thread: number) => number[]): void {
    this.pool.run(name, this.exports[name] as Kernel, argsOf);
  }

  /**
   * Runs a task-claiming kernel (its tasks come from `counter`) on `threads`
   * threads, or on this thread alone when 1.
   */
  parallelTasks(name: string, threads: number, argsOf: (thread: number) => number[]): void {
    Atomics.store(this.heap.i32, this.counter.ptr >> 2, 0);
    if (threads <= 1) (this.exports[name] as Kernel)(...argsOf(0));
    else this.parallel(name, argsOf);
  }
}

/** Room past the GEMM packing area for one im2col chunk: assembly/conv.ts aims at 512 KiB chunks. */
const DEFAULT_CHUNK_BYTES = 1 << 20;

/**
 * Threads (the calling thread counts as one): NNLAB_WASM_THREADS, else one per
 * core this process may use, capped by its CPU limit (CPU_LIMIT, the cgroup's
 * CPU quota) rounded down, at least 1, at most 16 (see limits.ts threadsFor).
 */
export function defaultThreads(): number {
  const env = process.env.NNLAB_WASM_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`NNLAB_WASM_THREADS must be a positive integer, got "${env}"`);
    }
    return n;
  }
  return threadsFor(availableParallelism(), systemLimits().cpus).threads;
}

export type SimdFlavour = "relaxed" | "plain";

let relaxedAccepted: boolean | undefined;

/**
 * NNLAB_WASM_SIMD ("relaxed" or "plain"), else "relaxed" where this engine
 * validates the relaxed build. Node 20's V8 has relaxed SIMD behind
 * --experimental-wasm-relaxed-simd (on by default from V8 11.4, Node 22):
 * the flag is set here, before the first module compiles, as kernel/main.ts
 * sets its own V8 flag; it applies to the worker threads too.
 */
function defaultSimd(): SimdFlavour {
  const env = process.env.NNLAB_WASM_SIMD;
  if (env === "relaxed" || env === "plain") return env;
  if (env !== undefined && env !== "") {
    throw new RangeError(`NNLAB_WASM_SIMD must be "relaxed" or "plain", got "${env}"`);
  }
  return relaxedSimdAccepted() ? "relaxed" : "plain";
}

/** Whether this engine compiles the relaxed-SIMD build (after setting V8's flag for it where needed). */
export function relaxedSimdAccepted(): boolean {
  if (relaxedAccepted === undefined) {
    const bytes = readFileSync(locateWasm("relaxed"));
    relaxedAccepted = WebAssemblyApi.validate(bytes);
    if (!relaxedAccepted) {
      setFlagsFromString("--experimental-wasm-relaxed-simd");
      relaxedAccepted = WebAssemblyApi.validate(bytes);
    }
  }
  return relaxedAccepted;
}

function loadKernels(simd: SimdFlavour): Uint8Array {
  if (simd === "relaxed" && !relaxedSimdAccepted()) {
    throw new Error(
      `wasm backend: this engine (Node ${process.version}) does not accept relaxed SIMD; use NNLAB_WASM_SIMD=plain`,
    );
  }
  return readFileSync(locateWasm(simd));
}

function locateWasm(simd: SimdFlavour): string {
  const file = simd === "relaxed" ? "kernels-relaxed.wasm" : "kernels.wasm";
  const candidates = [
    join(__dirname, file),
    // Running from TypeScript sources (vitest): the build output sits under dist/.
    join(__dirname, "..", "..", "..", "dist", "runtime", "backend", "wasm", file),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(
      `wasm backend: compiled kernels not found (looked in ${candidates.join(", ")}); run \`npm run build\` first`,
    );
  }
  return found;
}
