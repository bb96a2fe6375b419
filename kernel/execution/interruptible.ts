/**
 * Awaits that an interrupt ends. Every `await` in a cell's code (and in the functions a cell defines)
 * is compiled as `await __nnlabAwait(x)` (typescript/transform.ts): when an interrupt arrives while
 * that await is suspended, resuming it throws an InterruptError instead of going on. A cell that awaits
 * is settled at once by the interrupt, without V8's termination (which would stop whatever JavaScript
 * runs next, often the kernel's own); this ends the rest of it, such as a training loop that alternates
 * work and awaits, at its next await, as a KeyboardInterrupt would in Python.
 */

/** The global the compiled cells call. */
export const AWAIT_HELPER = "__nnlabAwait";

/** What a resumed await throws after an interrupt. */
export class InterruptedAwait extends Error {
  override readonly name = "InterruptError";
  constructor() {
    super("Execution interrupted (at an await)");
  }
}

let interrupts = 0;

/** Counts an interrupt: every await suspended now throws when it resumes. */
export function interruptAwaits(): void {
  interrupts += 1;
}

function interruptible<T>(value: T): Promise<Awaited<T>> {
  const seen = interrupts;
  return Promise.resolve(value).then(
    (result) => {
      if (interrupts !== seen) throw new InterruptedAwait();
      return result;
    },
    (error: unknown) => {
      if (interrupts !== seen) throw new InterruptedAwait();
      throw error;
    },
  );
}

/** Defines the global helper (not enumerable, so it stays out of completions of globalThis); returns its removal. */
export function installAwaitHelper(): () => void {
  Object.defineProperty(globalThis, AWAIT_HELPER, { value: interruptible, configurable: true, writable: false });
  return () => {
    Reflect.deleteProperty(globalThis, AWAIT_HELPER);
  };
}
