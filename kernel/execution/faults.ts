/**
 * Faults user code can cause that must neither be lost nor stop the kernel: exceptions in timer
 * callbacks, unhandled promise rejections, uncaught exceptions, and attempts to end the process.
 *
 * Timer callbacks are also where interrupts are made safe: V8's terminateExecution is only
 * recoverable while JavaScript runs inside a microtask, so the wrapped timers run every callback
 * through `queueMicrotask` (see docs/decisions.md, "Interrupts").
 */
import { promisify } from "node:util";

export type FaultKind = "timer" | "unhandledRejection" | "uncaughtException";

export interface FaultHooks {
  /** Shows the fault on the running cell (or the fallback output). */
  report(kind: FaultKind, error: unknown): void;
  /** User JavaScript starts (true) or stops (false) running synchronously. */
  userCode(running: boolean): void;
}

/**
 * Routes uncaught exceptions and unhandled rejections to `hooks.report`, wraps the global timers,
 * and makes the real `process` refuse to end the kernel (see `guardRealProcess`). Returns the
 * function that undoes all three; the kernel undoes it before it exits.
 */
export function installFaultHandlers(hooks: FaultHooks): () => void {
  // Under --unhandled-rejections=strict a rejection arrives here, with its origin named.
  const onException = (error: unknown, origin: string): void =>
    hooks.report(origin === "unhandledRejection" ? "unhandledRejection" : "uncaughtException", error);
  const onRejection = (reason: unknown): void => hooks.report("unhandledRejection", reason);
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  const restoreTimers = wrapTimers(hooks);
  const restoreProcess = guardRealProcess();
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
    restoreTimers();
    restoreProcess();
  };
}

/**
 * Node's `process` for cells: `exit`, `abort`, `reallyExit` and `kill` of the kernel's own pid
 * throw an error that says what to do instead; everything else is the real `process`.
 */
export const guardedProcess: NodeJS.Process = new Proxy(process, {
  get(target, key, receiver) {
    if (key === "exit" || key === "abort" || key === "reallyExit") return refuse(`process.${key}()`);
    if (key === "kill") return guardedKill;
    const value: unknown = Reflect.get(target, key, receiver);
    return typeof value === "function" ? bound(value as (...args: unknown[]) => unknown) : value;
  },
});

/** The real methods, for the kernel itself and for `process.kill` of other processes. */
/* eslint-disable @typescript-eslint/unbound-method -- kept to be put back on process, not called apart from it */
const real = {
  exit: process.exit,
  abort: process.abort,
  reallyExit: (process as ProcessWithReallyExit).reallyExit,
  kill: process.kill,
};
/* eslint-enable @typescript-eslint/unbound-method */

type ProcessWithReallyExit = NodeJS.Process & { reallyExit(code?: number): never };

/**
 * A cell reaches the real `process` too (`globalThis.process`, `require("node:process")`), so its
 * ending methods are refused there as well while cells can run.
 */
function guardRealProcess(): () => void {
  const target = process as ProcessWithReallyExit;
  target.exit = refuse("process.exit()");
  target.abort = refuse("process.abort()");
  target.reallyExit = refuse("process.reallyExit()");
  target.kill = guardedKill;
  return () => {
    target.exit = real.exit;
    target.abort = real.abort;
    target.reallyExit = real.reallyExit;
    target.kill = real.kill;
  };
}

function refuse(call: string): () => never {
  return () => {
    throw new Error(
      `${call} is refused in a notebook cell: it would stop the kernel. ` +
        "To stop or restart the kernel, use the front end (Kernel > Restart); to stop a cell, interrupt it.",
    );
  };
}

function guardedKill(pid: number, signal?: string | number): true {
  if (pid === process.pid || pid === 0 || pid === -process.pid) refuse(`process.kill(${pid})`)();
  return real.kill.call(process, pid, signal);
}

const boundMethods = new WeakMap<(...args: unknown[]) => unknown, (...args: unknown[]) => unknown>();
/** Methods of `process` called on the real object, with a stable identity per method. */
function bound(fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  let b = boundMethods.get(fn);
  if (!b) {
    b = fn.bind(process);
    boundMethods.set(fn, b);
  }
  return b;
}

type TimerCallback = (...args: unknown[]) => void;

function wrapTimers(hooks: FaultHooks): () => void {
  const original = { setTimeout, setInterval, setImmediate };
  const inMicrotask = (callback: TimerCallback, args: unknown[]) => (): void =>
    queueMicrotask(() => {
      hooks.userCode(true);
      try {
        callback(...args);
      } catch (error) {
        hooks.report("timer", error);
      } finally {
        hooks.userCode(false);
      }
    });
  const wrappedTimeout = (callback: TimerCallback, ms?: number, ...args: unknown[]) =>
    original.setTimeout(inMicrotask(callback, args), ms);
  const wrappedInterval = (callback: TimerCallback, ms?: number, ...args: unknown[]) =>
    original.setInterval(inMicrotask(callback, args), ms);
  const wrappedImmediate = (callback: TimerCallback, ...args: unknown[]) =>
    original.setImmediate(inMicrotask(callback, args));
  globalThis.setTimeout = Object.assign(wrappedTimeout, {
    [promisify.custom]: (original.setTimeout as unknown as Record<symbol, unknown>)[promisify.custom],
  }) as unknown as typeof setTimeout;
  globalThis.setInterval = wrappedInterval as unknown as typeof setInterval;
  globalThis.setImmediate = Object.assign(wrappedImmediate, {
    [promisify.custom]: (original.setImmediate as unknown as Record<symbol, unknown>)[promisify.custom],
  }) as unknown as typeof setImmediate;
  return () => {
    globalThis.setTimeout = original.setTimeout;
    globalThis.setInterval = original.setInterval;
    globalThis.setImmediate = original.setImmediate;
  };
}
