/**
 * Running cells through the executor, one at a time, and settling them when
 * they are interrupted. The executor loads on first need; the watchdog is told
 * when user code runs (so that it may terminate it) and when a cell ends. See
 * watchdog.ts for the shared state and why a settled cell may have to wait
 * for a termination that is already on its way.
 */
import type { CellOutput, ExecuteOptions, ExecuteOutcome, Executor, ExecutorOptions } from "../contracts";
import { describeError, type Log } from "../log";
import { reattachAll, whenSettled } from "./settle";
import { later } from "./timers";
import type { Watchdog } from "./watchdog";

/** How long an interrupted cell may take to settle before it is answered as interrupted anyway. */
const INTERRUPT_GRACE_MS = 2000;

interface RunningCell {
  out: CellOutput;
  settle(outcome: ExecuteOutcome): void;
}

export class Cells {
  private executor: Executor | undefined;
  private ready: Promise<Executor> | undefined;
  private cell: RunningCell | undefined;
  /** A cell waiting for the executor; `interrupted` when an interrupt came before it could start. */
  private waiting: { interrupted: boolean } | undefined;
  /** A settled cell waiting for a termination that was already under way. */
  private parked: (() => void) | undefined;
  private inUserCode = false;
  private closing = false;
  /** The output of the last cell that was not silent: late output and faults go there. */
  private fallback: CellOutput | undefined;

  constructor(
    private readonly watchdog: Watchdog,
    private readonly createExecutor: (options: ExecutorOptions) => Promise<Executor>,
    private readonly log: Log,
    /** Called for `interrupt` events: a pending input() must give up. */
    private readonly onInterrupted: () => void,
  ) {}

  /** Where output of user code outside any request belongs: the running cell, else the last one. */
  get output(): CellOutput | undefined {
    return this.cell?.out ?? this.fallback;
  }

  /** The executor once it has loaded (undefined before). */
  get loaded(): Executor | undefined {
    return this.executor;
  }

  /** Starts loading the executor unless that has begun. */
  load(): Promise<Executor> {
    if (this.ready) return this.ready;
    const started = performance.now();
    let ready: Promise<Executor>;
    try {
      ready = this.createExecutor({ onUserCode: (running) => this.onUserCode(running) });
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what was thrown, as it is
      ready = Promise.reject(error);
    }
    this.ready = ready;
    whenSettled(
      ready,
      (executor) => {
        this.executor = executor;
        this.log.info(`the TypeScript executor is ready (${Math.round(performance.now() - started)} ms to load)`);
      },
      (error) => this.log.error(`the TypeScript executor failed to start: ${describeError(error)}`),
    );
    return ready;
  }

  /** Runs one cell (once the executor is there); `done` gets its outcome exactly once. */
  run(code: string, out: CellOutput, options: ExecuteOptions, done: (outcome: ExecuteOutcome) => void): void {
    const waiting = { interrupted: false };
    this.waiting = waiting;
    whenSettled(
      this.load(),
      (executor) => {
        this.waiting = undefined;
        if (waiting.interrupted) done(interruptedOutcome("before it started (the executor was still loading)"));
        else this.start(executor, code, out, options, done);
      },
      (error) => {
        this.waiting = undefined;
        const evalue = `the TypeScript executor failed to start, so no cell can run; restart the kernel (${String(error)})`;
        done({ status: "error", ename: "KernelStartupError", evalue, traceback: [`KernelStartupError: ${evalue}`] });
      },
    );
  }

  /** After a cell that was not silent: late output of its timers goes to it. */
  setFallback(out: CellOutput): void {
    this.fallback = out;
    this.executor?.setFallbackOutput(out);
  }

  /** The watchdog stopped the running JavaScript (or found none running): settle the cell as interrupted. */
  interrupt(): void {
    if (this.closing) return;
    const notice = this.watchdog.receiveNotice();
    if (notice === "wait") {
      // The worker terminates the main thread right now; the notice it posts afterwards is the one to handle.
      this.log.debug("interrupt notice while a termination is on its way: waiting for that one");
      return;
    }
    this.inUserCode = false;
    const taken = this.watchdog.takeInterrupt();
    this.log.debug(
      `interrupt notice (${taken ? "new" : "repeated"}): cell ${this.cell ? "running" : "none"}, ${this.parked ? "parked" : "not parked"}`,
    );
    if (!taken) {
      // A second notice of an interrupt already handled: its termination (if any) only dropped reactions.
      if (notice === "running") this.watchdog.resumeRunning();
      reattachAll();
      return;
    }
    this.onInterrupted();
    try {
      this.executor?.interrupt();
    } catch (error) {
      this.log.error(`executor.interrupt() failed: ${describeError(error)}`);
    }
    reattachAll();
    const parked = this.parked;
    this.parked = undefined;
    if (parked) {
      parked();
      return;
    }
    const cell = this.cell;
    if (!cell) {
      if (this.waiting) this.waiting.interrupted = true;
      return;
    }
    later(INTERRUPT_GRACE_MS, () => {
      if (this.cell !== cell) return;
      this.log.warn(`the interrupted cell did not settle within ${INTERRUPT_GRACE_MS} ms; answering it as interrupted`);
      cell.settle(interruptedOutcome("and did not stop by itself"));
    });
  }

  /**
   * Shutting down: no more terminations, and the executor is disposed. True when a termination is
   * still on its way (exiting before it lands would abort the process): wait for the next `interrupt` event.
   */
  close(): boolean {
    this.closing = true;
    const pending = this.watchdog.closing();
    try {
      this.executor?.dispose();
    } catch (error) {
      this.log.warn(`disposing the executor failed: ${describeError(error)}`);
    }
    return pending;
  }

  private start(
    executor: Executor,
    code: string,
    out: CellOutput,
    options: ExecuteOptions,
    done: (outcome: ExecuteOutcome) => void,
  ): void {
    let settled = false;
    const cell: RunningCell = {
      out,
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        if (this.cell === cell) this.cell = undefined;
        done(outcome);
      },
    };
    this.cell = cell;
    let outcome: Promise<ExecuteOutcome>;
    try {
      outcome = executor.execute(code, out, options);
    } catch (error) {
      outcome = Promise.resolve(crashOutcome(error));
    }
    const ended = (result: ExecuteOutcome) => {
      // The cell may leave RUNNING unless user code still runs synchronously (it settled from inside).
      if (this.inUserCode || this.watchdog.cellEnded()) cell.settle(result);
      else {
        this.log.debug("the cell settled while a termination is on its way: parked until its interrupt notice");
        this.parked = () => cell.settle(result);
      }
    };
    whenSettled(outcome, ended, (error) => ended(crashOutcome(error)));
  }

  /** From the executor: user JavaScript starts (true) or its synchronous part returned (false). */
  private onUserCode(running: boolean): void {
    if (this.closing) return;
    this.inUserCode = running;
    if (running) this.watchdog.cellStarted();
    else if (!this.cell) this.watchdog.cellEnded();
  }
}

/** An error as the parts of an error reply. */
export function errorParts(error: unknown): { ename: string; evalue: string; traceback: string[] } {
  const ename = error instanceof Error ? error.name : "Error";
  const evalue = error instanceof Error ? error.message : String(error);
  const traceback = error instanceof Error && error.stack ? error.stack.split("\n") : [`${ename}: ${evalue}`];
  return { ename, evalue, traceback };
}

function interruptedOutcome(when: string): ExecuteOutcome {
  const evalue = `the cell was interrupted ${when}`;
  return { status: "error", ename: "InterruptError", evalue, traceback: [`InterruptError: ${evalue}`] };
}

/** An executor that threw instead of returning an error outcome: still a clean error reply. */
function crashOutcome(error: unknown): ExecuteOutcome {
  return { status: "error", ...errorParts(error) };
}
