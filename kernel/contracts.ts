/**
 * The seam between the protocol server (sockets, messages, replies) and the
 * executor (TypeScript cells, the prelude, display). The server holds no
 * execution logic; the executor never sees a Jupyter message.
 */
import type { MimeBundle, MimeMetadata } from "../runtime/display";

/** What a running cell can send to the front end. All of it goes out before the request's `idle`. */
export interface CellOutput {
  stream(name: "stdout" | "stderr", text: string): void;
  /** `display_data`, or `update_display_data` when `update` is set (needs `displayId`). */
  display(bundle: MimeBundle, metadata: MimeMetadata, options: { displayId?: string; update?: boolean }): void;
  clearOutput(wait: boolean): void;
  /** `input_request` on stdin; rejects with a clear error when the client did not allow stdin. */
  input(prompt: string, password: boolean): Promise<string>;
  /** A pager payload on the execute reply (what `help(x)` produces, as `?x` in IPython). */
  page(bundle: MimeBundle): void;
}

export interface ExecuteOptions {
  silent: boolean;
  storeHistory: boolean;
  allowStdin: boolean;
  executionCount: number;
}

export type ExecuteOutcome =
  | { status: "ok"; result?: { bundle: MimeBundle; metadata: MimeMetadata } }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

export type UserExpressionResult =
  | { status: "ok"; data: MimeBundle; metadata: MimeMetadata }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

export interface CompletionResult {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  metadata: Record<string, unknown>;
}

export interface InspectionResult {
  found: boolean;
  bundle?: MimeBundle;
}

export interface IsCompleteResult {
  status: "complete" | "incomplete" | "invalid" | "unknown";
  indent?: string;
}

/** What `createExecutor` (kernel/execution/executor.ts) accepts. Every field is optional. */
export interface ExecutorOptions {
  /** Where cells resolve `import`/`require` of packages next to the notebook (default: process.cwd()). */
  cwd?: string;
  /**
   * Called with `true` just before user JavaScript starts running synchronously inside a microtask
   * (a cell's body, a user timer callback) and with `false` when that synchronous part returns or the
   * cell is interrupted. Continuations after an `await` are not reported. The watchdog may
   * terminate JavaScript while it last heard `true`.
   */
  onUserCode?(running: boolean): void;
  /** Output a cell may write before it is cut with a marker line (default 20 MB of text). */
  outputLimitBytes?: number;
}

/**
 * The executor captures `process.stdout.write`, `process.stderr.write` (so `console.*` too) and wraps the
 * global `setTimeout`/`setInterval`/`setImmediate` (callbacks run in a microtask; their exceptions are
 * shown on the cell) while it lives; `dispose()` restores them. Writes go to the running cell, else to
 * the fallback output, else to the real stream. The server should write its own logs through a
 * reference to the stream's `write` saved before `createExecutor`, or to a log file.
 *
 * Cursor positions (`complete`, `inspect`) and `cursorStart`/`cursorEnd` are counted in Unicode code
 * points, as Jupyter messaging 5.2+ specifies.
 */
export interface Executor {
  /** Runs one cell. Never throws: user errors come back as an error outcome. */
  execute(code: string, out: CellOutput, options: ExecuteOptions): Promise<ExecuteOutcome>;
  /** `user_expressions` of an execute request, evaluated after the cell. */
  evaluateExpression(expression: string): UserExpressionResult;
  isComplete(code: string): IsCompleteResult;
  complete(code: string, cursorPos: number): CompletionResult;
  inspect(code: string, cursorPos: number, detailLevel: number): InspectionResult;
  /**
   * Called on the main thread once the watchdog has stopped the running
   * JavaScript (or when nothing synchronous was running): the pending cell
   * settles with an error outcome whose ename is `InterruptError`.
   */
  interrupt(): void;
  /** Output that arrives while no cell runs (a timer firing late) goes to this cell's output. */
  setFallbackOutput(out: CellOutput | null): void;
  dispose(): void;
}
