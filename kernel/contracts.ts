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
