/**
 * Errors as the user should read them: stack frames of cell code mapped back through the cell's
 * source map to `Cell In[N], line L`, with the failing line quoted; nnlab's own kernel frames and
 * Node's internals left out; runtime frames kept with short paths.
 *
 * While installed, `Error.prepareStackTrace` also maps cell frames in `error.stack`, so what a cell
 * prints (`console.error(e)`) names cell lines too; errors without cell frames are untouched.
 */
import { SourceMap, type SourceMapPayload } from "node:module";
import * as path from "node:path";
import type { CellDiagnostic } from "./converter";

export interface FormattedError {
  ename: string;
  evalue: string;
  traceback: string[];
}

interface CellScript {
  executionCount: number;
  code: string;
  /**
   * The source map as the compiler wrote it (JSON). Parsed only when a stack goes through the cell: a
   * parsed map holds an array per mapping, about ten times the text, and a session keeps every cell's.
   */
  sourceMap: string;
  /** Lines the wrapper adds before the emitted JavaScript. */
  lineOffset: number;
}

/** One stack frame: the caller's name as V8 prints it ("plan", "new Model", "async fit") and where. */
interface Frame {
  fn: string;
  file: string;
  line: number;
  column: number;
}

const SCRIPT_PREFIX = "nnlab-cell-";
/** Parsed source maps kept for the cells whose frames were mapped last. */
const PARSED_MAPS_KEPT = 16;
const FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;
/** V8's call site; its `toString()` is the frame as a stack prints it ("fn (file:line:column)"). */
interface CallSite extends NodeJS.CallSite {
  toString(): string;
}
type PrepareStackTrace = (error: Error, callSites: CallSite[]) => unknown;

export class CellScripts {
  private readonly scripts = new Map<string, CellScript>();
  /** The frames of errors whose stack went through `installStackMapping`'s hook. */
  private readonly captured = new WeakMap<Error, Frame[]>();
  /** Recently used parsed maps by script name, least recently used first. */
  private readonly parsed = new Map<string, SourceMap>();
  private serial = 0;

  constructor(
    /** Directories whose frames are nnlab's own machinery (dropped). */
    private readonly internalDirs: string[],
    /** Directory of the runtime (frames kept, paths shortened). */
    private readonly runtimeDir: string,
  ) {}

  /** Registers a cell's JavaScript; returns the script name to compile it under. */
  register(executionCount: number, code: string, sourceMap: string, lineOffset: number): string {
    this.serial += 1;
    const name = `${SCRIPT_PREFIX}${this.serial}.js`;
    this.scripts.set(name, { executionCount, code, sourceMap, lineOffset });
    return name;
  }

  /** Maps cell frames in every `error.stack` from now on; returns the undo. */
  installStackMapping(): () => void {
    const errorClass = Error as { prepareStackTrace?: PrepareStackTrace };
    const previous = errorClass.prepareStackTrace;
    const hook: PrepareStackTrace = (error, callSites) => {
      const frames = callSites.map(frameOf);
      if (!frames.some((frame) => this.scripts.has(frame.file))) {
        return previous ? previous(error, callSites) : defaultStack(error, callSites);
      }
      if (typeof error === "object" && error !== null) this.captured.set(error, frames);
      // As in tracebacks, what lies below the outermost cell frame is the kernel that ran the cell.
      let last = frames.length - 1;
      while (!this.scripts.has(frames[last].file)) last--;
      const lines = frames.slice(0, last + 1).map((frame, i) => {
        const script = this.scripts.get(frame.file);
        if (!script) return `    at ${callSites[i].toString()}`;
        const where = `Cell In[${script.executionCount}], line ${this.mapped(frame.file, script, frame.line, frame.column).line}`;
        return `    at ${frame.fn ? `${frame.fn} (${where})` : where}`;
      });
      return [errorHeader(error), ...lines].join("\n");
    };
    errorClass.prepareStackTrace = hook;
    return () => {
      if (errorClass.prepareStackTrace === hook) errorClass.prepareStackTrace = previous;
    };
  }

  format(error: unknown): FormattedError {
    if (!(error instanceof Error)) {
      const ename =
        error === null ? "null" : typeof error === "object" ? (error.constructor?.name ?? "Object") : typeof error;
      const json = typeof error === "object" ? JSON.stringify(error) : undefined;
      const evalue = json ?? String(error);
      return { ename, evalue, traceback: [`Uncaught ${ename}: ${evalue}`] };
    }
    const ename = errorName(error);
    const evalue = error.message;
    const traceback = [`${ename}: ${evalue}`, ...this.frames(error)];
    for (let cause = error.cause, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
      traceback.push(`Caused by ${errorName(cause)}: ${cause.message}`, ...this.frames(cause));
    }
    return { ename, evalue, traceback };
  }

  private frames(error: Error): string[] {
    const out: string[] = [];
    let quoted = false;
    let lastCellFrame = -1;
    const stack = error.stack ?? "";
    const frames = this.captured.get(error) ?? parseFrames(stack);
    for (const { fn, file, line, column } of frames) {
      const script = this.scripts.get(file);
      if (script) {
        const at = this.mapped(file, script, line, column);
        const where = `Cell In[${script.executionCount}], line ${at.line}`;
        out.push(quoted ? `    at ${fn ? `${fn} (${where})` : where}` : excerpt(where, script.code, at.line));
        quoted = true;
        lastCellFrame = out.length;
        continue;
      }
      if (file.startsWith("node:internal") || file.startsWith("internal/")) continue;
      if (this.internalDirs.some((dir) => file.startsWith(dir))) continue;
      const shown = file.startsWith(this.runtimeDir)
        ? `nnlab/runtime/${path.relative(this.runtimeDir, file)}:${line}`
        : `${file}:${line}:${column}`;
      out.push(`    at ${fn ? `${fn} (${shown})` : shown}`);
    }
    // Below the outermost cell frame is whoever ran the cell (the kernel, async callers): not the user's.
    return lastCellFrame >= 0 ? out.slice(0, lastCellFrame) : out;
  }

  private mapped(file: string, script: CellScript, line: number, column: number): { line: number; column: number } {
    const entry = this.mapOf(file, script).findEntry(line - 1 - script.lineOffset, column - 1) as {
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalLine === undefined) return { line: 1, column: 1 };
    return { line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
  }

  private mapOf(file: string, script: CellScript): SourceMap {
    let map = this.parsed.get(file);
    if (map) this.parsed.delete(file);
    else map = new SourceMap(JSON.parse(script.sourceMap) as SourceMapPayload);
    this.parsed.set(file, map);
    if (this.parsed.size > PARSED_MAPS_KEPT) this.parsed.delete(this.parsed.keys().next().value as string);
    return map;
  }
}

/** A type error as an error outcome: each diagnostic as `line:column - message` in cell coordinates. */
export function formatDiagnostics(executionCount: number, code: string, diagnostics: CellDiagnostic[]): FormattedError {
  const first = diagnostics[0];
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
  const lines = code.split("\n");
  const traceback = [
    `Cell In[${executionCount}]: ${diagnostics.length} TypeScript error${diagnostics.length > 1 ? "s" : ""}`,
  ];
  for (const d of diagnostics) {
    const source = lines[d.line - 1] ?? "";
    traceback.push(`${d.line}:${d.column} - ${d.message}`, `    ${source}`, `    ${" ".repeat(d.column - 1)}^`);
  }
  return { ename: "TypeScriptError", evalue: `${first.line}:${first.column} - ${first.message}${more}`, traceback };
}

function parseFrames(stack: string): Frame[] {
  const frames: Frame[] = [];
  for (const text of stack.split("\n")) {
    const match = FRAME.exec(text);
    if (match) frames.push({ fn: match[1] ?? "", file: match[2], line: Number(match[3]), column: Number(match[4]) });
  }
  return frames;
}

function frameOf(callSite: CallSite): Frame {
  const text = callSite.toString();
  const file = callSite.getFileName() ?? callSite.getEvalOrigin() ?? "<anonymous>";
  const fn = text.includes("(") ? text.slice(0, text.lastIndexOf(" (")) : "";
  return { fn, file, line: callSite.getLineNumber() ?? 0, column: callSite.getColumnNumber() ?? 0 };
}

/** V8's own format, for errors without cell frames when nobody else formats stacks. */
function defaultStack(error: unknown, callSites: CallSite[]): string {
  return [errorHeader(error), ...callSites.map((site) => `    at ${site.toString()}`)].join("\n");
}

function errorHeader(error: unknown): string {
  try {
    return String(error);
  } catch {
    return "Error";
  }
}

function errorName(error: Error): string {
  const constructorName = error.constructor?.name;
  return error.name === "Error" && constructorName && constructorName !== "Error" ? constructorName : error.name;
}

/** ipykernel's style: the location, then up to two lines before and the failing line marked. */
function excerpt(where: string, code: string, line: number): string {
  const lines = code.split("\n");
  const shown: string[] = [where];
  for (let n = Math.max(1, line - 2); n <= Math.min(lines.length, line); n++) {
    const marker = n === line ? "---->" : "     ";
    shown.push(`${marker} ${String(n).padStart(2)} ${lines[n - 1]}`);
  }
  return shown.join("\n");
}
