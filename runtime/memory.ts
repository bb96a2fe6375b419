/**
 * Who frees backend storage, and when. Three mechanisms, any one suffices:
 *
 * 1. `t.dispose()` frees a tensor's storage at once (storage shared by views,
 *    such as a reshape, is freed when its last tensor goes).
 * 2. `nn.tidy(fn)` disposes every tensor created while `fn` runs except those
 *    it returns (a tensor, or tensors inside an array or plain object), the
 *    tensors the autograd graph of those results needs, gradients written to
 *    `.grad`, and tensors passed to `nn.keep`.
 * 3. Automatically: a tensor that becomes unreachable releases its storage when
 *    the garbage collector finalizes it (FinalizationRegistry). On CPU backends
 *    this is all a user needs; on GPU backends it is the safety net, since the
 *    collector does not see GPU memory pressure, and `tidy` (which the Keras
 *    training loop uses around every step) frees promptly.
 *
 * Using a disposed tensor throws an error naming it; disposing twice is harmless.
 */
import type { Backend, DType, Shape } from "./backend/backend";
import { shapeString, sizeOf } from "./backend/backend";

/** What `nn.memory()` reports. */
export interface MemoryInfo {
  /** Tensors alive (not disposed and not yet finalized). */
  tensors: number;
  /** Distinct backend storages alive (views share one). */
  storages: number;
  /** Bytes those storages hold, at 4 bytes per element. */
  bytes: number;
  /** The same per backend that holds storage now, with what the backend itself reports. */
  backends: Record<string, BackendMemory>;
}

export interface BackendMemory {
  storages: number;
  bytes: number;
  /** Bytes the backend's allocator holds for live storage (wasm: whole 64-byte-aligned blocks), where it tells. */
  liveBytes?: number;
  /** Bytes the backend has reserved and keeps (wasm: its linear memory, which never shrinks), where it tells. */
  heapBytes?: number;
}

/** Backend data owned by one or more tensors, freed when the last one lets go. */
export class Storage {
  private refs = 0;

  constructor(
    readonly backend: Backend,
    readonly handle: object,
    readonly size: number,
    readonly dtype: DType,
  ) {
    count(backend, 1, size * BYTES_PER_ELEMENT);
  }

  retain(): void {
    this.refs += 1;
  }

  release(): void {
    this.refs -= 1;
    if (this.refs > 0) return;
    count(this.backend, -1, -this.size * BYTES_PER_ELEMENT);
    this.backend.dispose(this.handle);
  }
}

/**
 * A tensor's hold on its storage, which `assign` and a move to another
 * backend replace. The collector-driven release is registered with the hold
 * rather than with a storage, so it frees the storage the tensor has when it
 * is collected, not the one it was created with (already released by then).
 */
export class StorageHold {
  /** Whether the collector-driven release is registered for this hold's tensor (see `adopt`). */
  registered = false;

  constructor(private held: Storage) {
    held.retain();
  }

  get storage(): Storage {
    return this.held;
  }

  /**
   * Holds `next` from now on and lets go of the storage held so far. The hold moves before the old
   * storage is released: an interrupt (V8's termination) or an error while releasing may then leak the
   * old storage, but never leave a weight pointing at freed memory that the next tensor reuses.
   */
  swap(next: Storage): void {
    const previous = this.held;
    next.retain();
    this.held = next;
    previous.release();
  }

  release(): void {
    this.held.release();
  }
}

/** The part of a tensor that memory management needs. */
export interface Owner {
  readonly isDisposed: boolean;
  /** The hold `adopt` returned for this owner. */
  readonly storageHold: StorageHold;
}

const BYTES_PER_ELEMENT = 4;
const stats = { tensors: 0, storages: 0, bytes: 0 };
/** Storage counts per backend that has ever held storage. */
const perBackend = new Map<Backend, { storages: number; bytes: number }>();
const finalizer = new FinalizationRegistry<StorageHold>((hold) => {
  stats.tensors -= 1;
  try {
    hold.release();
  } catch {
    // A finalizer has no caller to tell; an error thrown here would surface as an uncaught exception
    // at some unrelated moment. A backend that cannot free (a lost device) leaks this one storage.
  }
});
const scopes: Owner[][] = [];
const kept = new WeakSet<Owner>();

export function memory(): MemoryInfo {
  const backends: Record<string, BackendMemory> = {};
  for (const [backend, held] of perBackend) {
    if (held.storages > 0) backends[backend.name] = { ...held, ...backend.memoryUsage?.() };
  }
  return { ...stats, backends };
}

/**
 * Registers a new tensor: counts it, ties `storage` to its life through the
 * returned hold (which the tensor keeps), and adds it to the innermost tidy scope.
 *
 * A tensor made inside a tidy scope is registered with the collector's finalizer only when it outlives
 * the scope (`tidyScope`): most are disposed when the scope ends (every training step's temporaries),
 * and FinalizationRegistry.register with an unregister token was about a quarter of a small model's
 * training step (decisions.md 52). A tensor made outside any scope is registered at once.
 */
export function adopt(owner: Owner, storage: Storage): StorageHold {
  const hold = new StorageHold(storage);
  stats.tensors += 1;
  const scope = scopes[scopes.length - 1];
  if (scope === undefined) register(owner, hold);
  else scope.push(owner);
  return hold;
}

/** Releases a tensor's storage now (the tensor has marked itself disposed). */
export function release(owner: Owner, hold: StorageHold): void {
  if (hold.registered) finalizer.unregister(owner);
  stats.tensors -= 1;
  hold.release();
}

function register(owner: Owner, hold: StorageHold): void {
  hold.registered = true;
  finalizer.register(owner, hold, owner);
}

/** Hands a tensor that leaves every tidy scope alive to the collector's finalizer. */
function registerLeaving(owner: Owner): void {
  if (owner.isDisposed) return;
  const hold = owner.storageHold;
  if (!hold.registered) register(owner, hold);
}

/** Exempts tensors from disposal by the enclosing `tidy` scopes. */
export function keep<T extends Owner>(owner: T): T {
  kept.add(owner);
  return owner;
}

/**
 * Forgets the open tidy scopes of code that was stopped inside `tidy` (its `finally` never ran); their
 * tensors are left to the collector. Without this every later tensor would join a scope that never closes.
 */
export function abandonTidyScopes(): void {
  for (const scope of scopes) for (const owner of scope) registerLeaving(owner);
  scopes.length = 0;
}

/**
 * Runs `fn`, then disposes the tensors it created except what `survivors`
 * reports for its result (the result's tensors and their autograd graphs).
 * `fn` must be synchronous: a promise would escape the scope.
 */
export function tidyScope<T>(fn: () => T, survivors: (result: T) => Iterable<Owner>, dispose: (o: Owner) => void): T {
  const scope: Owner[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    // A scope that failed disposes nothing: what it made is left to the collector.
    scopes.pop();
    for (const owner of scope) registerLeaving(owner);
    throw error;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const owner of scope) registerLeaving(owner);
    throw new Error("nn.tidy: the function returned a Promise; tidy needs a synchronous function (await outside it)");
  }
  const keepSet = new Set<Owner>(survivors(result));
  const outer = scopes[scopes.length - 1];
  for (const owner of scope) {
    if (owner.isDisposed) continue;
    if (keepSet.has(owner) || kept.has(owner)) {
      if (outer) outer.push(owner);
      else registerLeaving(owner);
    } else dispose(owner);
  }
  return result;
}

/** Throws when a tensor of `shape` would exceed NNLAB_MAX_TENSOR_BYTES (default 4 GiB). */
export function checkTensorSize(op: string, shape: Shape): void {
  const bytes = sizeOf(shape) * BYTES_PER_ELEMENT;
  const cap = maxTensorBytes();
  if (bytes > cap) {
    throw new Error(
      `${op}: a result of shape ${shapeString(shape)} needs ${formatBytes(bytes)}, more than the limit ` +
        `NNLAB_MAX_TENSOR_BYTES = ${formatBytes(cap)}; use smaller shapes or batches, or raise the limit`,
    );
  }
}

function count(backend: Backend, storages: number, bytes: number): void {
  stats.storages += storages;
  stats.bytes += bytes;
  let held = perBackend.get(backend);
  if (!held) {
    held = { storages: 0, bytes: 0 };
    perBackend.set(backend, held);
  }
  held.storages += storages;
  held.bytes += bytes;
}

function maxTensorBytes(): number {
  const raw = process.env.NNLAB_MAX_TENSOR_BYTES;
  const parsed = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 4 * 2 ** 30;
}

function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  return `${n} bytes`;
}
