/**
 * The kernel's own timers. While the executor lives it wraps the global
 * setTimeout/setImmediate so that user callbacks run in microtasks (where an
 * interrupt can stop them); the kernel's callbacks must not be wrapped, so the
 * originals are captured when this module loads, before the executor starts.
 */
const originalSetTimeout = globalThis.setTimeout;
const originalSetImmediate = globalThis.setImmediate;

/** Runs `callback` after `ms` milliseconds; the timer does not keep the process alive. */
export function later(ms: number, callback: () => void): NodeJS.Timeout {
  return originalSetTimeout(callback, ms).unref();
}

/** Runs `callback` on the next turn of the event loop, after pending I/O. */
export function nextTurn(callback: () => void): void {
  originalSetImmediate(callback);
}
