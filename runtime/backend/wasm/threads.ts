/**
 * A pool of worker threads that each run an instance of the kernels module
 * over the one shared memory. The calling thread is always thread 0 and does
 * its share itself, so T threads means T - 1 workers. Jobs are handed over
 * through a small shared control block (Atomics.wait/notify), not postMessage,
 * because a message round trip costs more than many of the kernels it would run.
 *
 * A worker that has had no job for `idleMs` (default a minute) parks: it marks
 * its slot PARKED and ends, giving back its V8 isolate (about 6 MiB a worker;
 * 15 workers of a 16-core machine hold ~100 MiB of an idle kernel). The next
 * run starts a fresh one for that slot. Parking is a compare-and-swap of the
 * slot's sequence number from the last job's to PARKED, and posting a job is
 * one from the last job's to the new one, so exactly one of the two wins: a
 * worker never parks with a job posted, and a job never goes to a parked slot.
 */
import { Worker } from "node:worker_threads";
import type { WasmMemory, WasmModule } from "./wasm_api";

/** Signature of every exported kernel: numeric arguments (i32 pointers and sizes, f32 scalars). */
export type Kernel = (...args: number[]) => unknown;

const SLOT_INTS = 8; // per worker: sequence, done, function index, argument count, error
const SEQ = 0;
const DONE = 1;
const FN = 2;
const NARGS = 3;
const ERROR = 4;
/** ERROR values: a kernel trapped on this job, or the worker could not start at all. */
const TRAPPED = 1;
const START_FAILED = 2;
const MAX_ARGS = 32;
/** The SEQ value of a slot whose worker has parked (ended after idling); sequence numbers stay positive. */
const PARKED = -1;
/** How long a worker waits for a job before it parks. */
const DEFAULT_IDLE_MS = 60_000;
/** Spins before sleeping: a job that follows within microseconds should not pay a futex wake-up. */
const SPIN = 20000;

export class ThreadPool {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly control: Int32Array;
  private readonly args: Float64Array;
  private readonly names: string[];
  private seq = 0;
  /** Workers started, the first ones included (a parked slot's restart counts). */
  private startCount = 0;

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    names: string[],
    threads: number,
    private readonly idleMs = DEFAULT_IDLE_MS,
  ) {
    this.threads = threads;
    this.names = names;
    const workers = threads - 1;
    this.control = new Int32Array(new SharedArrayBuffer(Math.max(1, workers) * SLOT_INTS * 4));
    this.args = new Float64Array(new SharedArrayBuffer(Math.max(1, workers) * MAX_ARGS * 8));
    for (let w = 0; w < workers; w++) this.workers.push(this.startWorker(w, 0));
  }

  /** Workers running now (not parked). */
  get liveWorkers(): number {
    let n = 0;
    for (let w = 0; w < this.workers.length; w++) if (Atomics.load(this.control, w * SLOT_INTS + SEQ) !== PARKED) n++;
    return n;
  }

  /** How many workers were ever started: threads - 1, plus one per restart after parking. */
  get started(): number {
    return this.startCount;
  }

  /** A worker for `slot` that takes the first job numbered after `seen`. */
  private startWorker(slot: number, seen: number): Worker {
    this.startCount++;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        module: this.module,
        memory: this.memory,
        control: this.control.buffer,
        args: this.args.buffer,
        slot,
        names: this.names,
        spin: SPIN,
        idleMs: this.idleMs,
        seen,
      },
    });
    // Idle workers sleep in Atomics.wait; they must not keep the process alive.
    worker.unref();
    return worker;
  }

  /**
   * Runs `name` once per thread with `argsOf(t)`'s arguments for thread t and
   * returns when all have finished. Thread 0's share runs on the caller.
   */
  run(name: string, local: Kernel, argsOf: (thread: number) => number[]): void {
    const fn = this.names.indexOf(name);
    // A previous run cut short (an interrupt stopped this thread while it
    // waited) may still be running on a worker; it would claim tasks of this one.
    for (let w = 0; w < this.workers.length; w++) this.await(w);
    const previous = this.seq;
    this.seq = previous >= 0x7ffffffe ? 1 : previous + 1;
    for (let w = 0; w < this.workers.length; w++) {
      const a = argsOf(w + 1);
      const base = w * SLOT_INTS;
      this.args.set(a, w * MAX_ARGS);
      this.control[base + FN] = fn;
      this.control[base + NARGS] = a.length;
      if (Atomics.compareExchange(this.control, base + SEQ, previous, this.seq) === previous) {
        Atomics.notify(this.control, base + SEQ);
      } else {
        // The worker parked: the job is posted, and a new worker takes it when it has started.
        Atomics.store(this.control, base + SEQ, this.seq);
        this.workers[w] = this.startWorker(w, previous);
      }
    }
    local(...argsOf(0));
    for (let w = 0; w < this.workers.length; w++) this.await(w);
  }

  private await(w: number): void {
    const base = w * SLOT_INTS;
    let spins = 0;
    while (Atomics.load(this.control, base + DONE) !== this.seq) {
      if (++spins > SPIN) Atomics.wait(this.control, base + DONE, this.seq - 1, 50);
      if (Atomics.load(this.control, base + ERROR) === START_FAILED) {
        throw new Error(
          `wasm backend: worker thread ${w + 1} could not instantiate the kernels; set NNLAB_WASM_THREADS=1 to run without workers`,
        );
      }
    }
    // The worker survives a trap and takes the next job, so report this one and clear the flag.
    if (Atomics.exchange(this.control, base + ERROR, 0) !== 0) {
      throw new Error(
        `wasm backend: kernel ${this.names[this.control[base + FN]]} trapped on worker thread ${w + 1} (an out-of-bounds access: a bug, please report it)`,
      );
    }
  }
}

/** Thread t's range of [0, total) in T near-equal parts. */
export function share(total: number, T: number, t: number): [number, number] {
  return [Math.round((total * t) / T), Math.round((total * (t + 1)) / T)];
}

// Plain JavaScript run with `eval: true`, so it works the same from compiled
// dist/ and from TypeScript sources under vitest (no worker file to locate).
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, args, slot, names, spin, idleMs } = workerData;
const ctl = new Int32Array(control);
const argv = new Float64Array(args);
const base = slot * ${SLOT_INTS};
let exports;
try {
  exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
} catch (e) {
  Atomics.store(ctl, base + ${ERROR}, ${START_FAILED});
  throw e;
}
let seen = workerData.seen;
jobs: for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, base + ${SEQ}) === seen) {
    if (++spins <= spin) continue;
    if (Atomics.wait(ctl, base + ${SEQ}, seen, idleMs) === "timed-out" &&
        Atomics.compareExchange(ctl, base + ${SEQ}, seen, ${PARKED}) === seen) break jobs;
  }
  seen = Atomics.load(ctl, base + ${SEQ});
  const n = ctl[base + ${NARGS}];
  const a = new Array(n);
  for (let i = 0; i < n; i++) a[i] = argv[slot * ${MAX_ARGS} + i];
  try {
    exports[names[ctl[base + ${FN}]]](...a);
  } catch {
    Atomics.store(ctl, base + ${ERROR}, ${TRAPPED});
  }
  Atomics.store(ctl, base + ${DONE}, seen);
  Atomics.notify(ctl, base + ${DONE});
}
`;
