/**
 * The kernel's own log. It goes to the process's stderr, which Jupyter puts
 * into its server log; it never reaches a notebook cell. Dropped messages
 * (bad signature, replay, malformed) and internal faults are recorded here.
 */
import { writeSync } from "node:fs";

type LogLevel = "debug" | "info" | "warn" | "error";

export interface Log {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A log that writes one line per record, tagged with `source` (the thread).
 * `NNLAB_LOG_LEVEL` (debug, info, warn, error; default info) sets the threshold.
 */
export function createLog(source: string, write: (line: string) => void = writeStderr): Log {
  const threshold = RANK[parseLevel(process.env.NNLAB_LOG_LEVEL)];
  const record = (level: LogLevel) => (message: string) => {
    if (RANK[level] < threshold) return;
    write(`[nnlab ${new Date().toISOString()} ${level.toUpperCase()} ${source}] ${message}\n`);
  };
  return { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
}

/** A thrown value as one line for the log (its stack when it has one). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

function parseLevel(value: string | undefined): LogLevel {
  const level = value?.toLowerCase();
  return level === "debug" || level === "info" || level === "warn" || level === "error" ? level : "info";
}

/**
 * Straight to file descriptor 2: synchronous, so a record from the watchdog
 * thread appears even while the main thread is blocked, and untouched by the
 * executor's capture of process.stderr for cells.
 */
function writeStderr(line: string): void {
  try {
    writeSync(2, line);
  } catch {
    // stderr is gone or full: a log record is not worth failing a request for
  }
}
