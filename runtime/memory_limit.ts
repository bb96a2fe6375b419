/**
 * Refuses an allocation that would take the process past its memory limit
 * (MEM_LIMIT or the cgroup's, see limits.ts), with an error in the cell that
 * asked for it, instead of the kernel being killed by the out-of-memory
 * killer and the student losing every variable.
 *
 * What counts is growth of the process's resident memory: the caller says
 * how many bytes an allocation adds (the wasm heap: 0 when the block comes
 * from its free list, since that memory is resident already; the reference
 * backend: its float64 arrays). Usage now is the process's RSS. Reading it
 * costs about 13 µs, so it is read again only when 16 MiB have been granted
 * since the last reading, for any single request of 16 MiB or more, and
 * before refusing; in between, usage is the last reading plus what was
 * granted since (an overestimate once the collector frees something, which
 * the fresh reading before a refusal corrects).
 *
 * A share of the limit (10 %, at most 64 MiB) stays free for what is not
 * checked: the temporaries of an op, the compiler, output messages.
 * Other processes under the same limit (the Jupyter server, other kernels in
 * one container) are not counted: RSS is this process's alone.
 */
import type { Limit } from "./limits";
import { systemLimits } from "./limits";

/** Thrown when an allocation would go past the memory limit. The kernel and its variables stay as they were. */
export class MemoryLimitError extends RangeError {
  override name = "MemoryLimitError";
}

const MiB = 2 ** 20;
const REMEASURE_BYTES = 16 * MiB;

/** The part of the limit kept free for allocations nobody checks. */
export function reserveFor(limitBytes: number): number {
  return Math.min(64 * MiB, Math.floor(limitBytes * 0.1));
}

export class MemoryGuard {
  private measured: number | undefined;
  private granted = 0;

  constructor(
    readonly limit: Limit,
    private readonly rss: () => number = () => process.memoryUsage.rss(),
  ) {}

  /**
   * Throws a MemoryLimitError when adding `bytes` of resident memory would
   * pass the limit; `what` names the allocation ("zeros: a tensor of shape [2, 3] float32").
   */
  check(bytes: number, what: () => string): void {
    if (!(bytes > 0)) return;
    const usable = this.limit.value - reserveFor(this.limit.value);
    if (
      this.measured === undefined ||
      this.granted + bytes >= REMEASURE_BYTES ||
      this.measured + this.granted + bytes > usable
    ) {
      this.measured = this.rss();
      this.granted = 0;
    }
    const total = this.measured + this.granted + bytes;
    if (total > usable) {
      const limit = this.limit.value;
      throw new MemoryLimitError(
        `${what()} needs ${mib(bytes)} more memory; with the ${mib(this.measured + this.granted)} this kernel uses now ` +
          `this would need ${mib(total)}; the limit is ${mib(limit)} (${this.limit.source}), of which ${mib(reserveFor(limit))} ` +
          `stay free for the kernel's own work. Dispose tensors you no longer need (t.dispose(), nn.tidy), ` +
          `or use smaller shapes or batches.`,
      );
    }
    this.granted += bytes;
  }
}

function mib(bytes: number): string {
  return `${Math.ceil(bytes / MiB).toLocaleString("en-US")} MiB`;
}

let guard: MemoryGuard | null | undefined;

/** The process's guard, or null when no memory limit applies (read once, see limits.ts). */
function memoryGuard(): MemoryGuard | null {
  if (guard === undefined) {
    const limit = systemLimits().memoryBytes;
    guard = limit === undefined ? null : new MemoryGuard(limit);
  }
  return guard;
}

/**
 * Throws a MemoryLimitError when `bytes()` more resident bytes would pass the
 * process's memory limit. Without a limit it costs one comparison and never
 * calls `bytes`.
 */
export function checkMemory(bytes: () => number, what: () => string): void {
  const g = memoryGuard();
  if (g !== null) g.check(bytes(), what);
}
