/**
 * The cell executor: TypeScript cells through the converter, run in this process's context with a
 * shared scope object, their output captured and routed to the running cell, their faults shown
 * and survived. The protocol server (main.ts) holds one; see contracts.ts for the seam.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";
import type * as TS from "typescript";
import type {
  CellOutput,
  CompletionResult,
  ExecuteOptions,
  ExecuteOutcome,
  Executor,
  ExecutorOptions,
  InspectionResult,
  IsCompleteResult,
  UserExpressionResult,
} from "../contracts";
import { installFaultHandlers, type FaultKind } from "./faults";
import { bundleForValue } from "./prelude/display";
import * as prelude from "./prelude/index";
import { OutputRouter, type StreamName } from "./prelude/output";
import { setPreludeSession } from "./prelude/session";
import * as tslabCompat from "./prelude/tslab";
import { beginOutputScope, isDisplayable, setDisplaySink, type MimeBundle } from "../../runtime/display";
import { createConverter, type Converter } from "./typescript/converter";
import { isComplete } from "./typescript/is_complete";
import { createCellRequire } from "./typescript/local_modules";
import { loadTypeScript } from "./typescript/load";
import { installAwaitHelper, interruptAwaits, InterruptedAwait } from "./interruptible";
import { CellScripts, formatDiagnostics, type FormattedError } from "./typescript/traceback";

const DEFAULT_OUTPUT_LIMIT = 20_000_000;
/** The runtime's names the prelude preloads, where the runtime exports them. */
const RUNTIME_NAMES = ["nn", "keras", "layers", "viz", "widgets"];
const INTERRUPTED: FormattedError = {
  ename: "InterruptError",
  evalue: "Execution interrupted",
  traceback: ["InterruptError: Execution interrupted"],
};

// eslint-disable-next-line @typescript-eslint/require-await -- async so that a failure to load the compiler rejects the promise rather than throwing
export async function createExecutor(options: ExecutorOptions = {}): Promise<Executor> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const layout = nnlabLayout();
  // Loaded here, not at module load: the compiler is the largest part of the kernel's start.
  const { ts, saveCodeCache } = loadTypeScript();
  const runtimeNames = exportedNames(ts, layout.runtimeTypes).filter((name) => RUNTIME_NAMES.includes(name));
  const converter = createConverter(ts, {
    cwd,
    prelude: [
      { names: [...prelude.PRELUDE_NAMES], from: layout.preludeTypes },
      { names: runtimeNames, from: layout.runtimeTypes },
    ],
    paths: { tslab: layout.tslabTypes, nnlab: layout.runtimeTypes, "nnlab/runtime": layout.runtimeTypes },
  });
  // Captured before the executor wraps the global timers: this is the kernel's work, not user code.
  const nextTurn = setImmediate;
  const executor = new CellExecutor(ts, converter, cwd, layout, runtimeNames, options);
  // The first type check parses lib and @types/node (most of the startup time); do it as soon as
  // the caller has had a turn, so the first cell does not pay for it.
  nextTurn(() => {
    converter.convert("0");
    saveCodeCache();
  });
  return executor;
}

interface Layout {
  preludeTypes: string;
  tslabTypes: string;
  runtimeTypes: string;
  /** The runtime's JavaScript entry (dist/runtime/index.js). */
  runtimeEntry: string;
  kernelDir: string;
  runtimeDir: string;
}

/** Where nnlab's own files are, whether this runs from dist/ or (in tests) from the sources. */
function nnlabLayout(): Layout {
  const executionDir = __dirname;
  const kernelDir = path.dirname(executionDir);
  const root = path.dirname(kernelDir);
  const fromSources = __filename.endsWith(".ts");
  const packageRoot = fromSources ? root : path.dirname(root);
  const slash = (p: string): string => p.replace(/\\/g, "/");
  return {
    preludeTypes: slash(path.join(executionDir, "prelude", "index")),
    tslabTypes: slash(path.join(executionDir, "prelude", "tslab")),
    runtimeTypes: slash(path.join(root, "runtime", "index")),
    runtimeEntry: path.join(packageRoot, "dist", "runtime", "index.js"),
    kernelDir,
    runtimeDir: path.join(root, "runtime"),
  };
}

class CellExecutor implements Executor {
  private readonly router: OutputRouter;
  private readonly scripts: CellScripts;
  // A plain object, not Object.create(null): V8 keeps null-prototype objects in slow dictionary
  // mode, and every top-level variable of every cell is a property of this one.
  private readonly scope: Record<string, unknown> = {};
  private readonly cellRequire: NodeJS.Require;
  private readonly cellModule: object;
  /** HDF5 starting (with the runtime, in the first cell that used nnlab); the next cell waits for it. */
  private hdf5Starting: Promise<unknown> | null = null;
  private readonly cellFilename: string;
  private readonly restore: Array<() => void> = [];
  private interruptPending: (() => void) | null = null;
  private readonly runtimeEntry: string;

  constructor(
    private readonly ts: typeof TS,
    private readonly converter: Converter,
    private readonly cwd: string,
    layout: Layout,
    runtimeNames: string[],
    private readonly options: ExecutorOptions,
  ) {
    this.runtimeEntry = layout.runtimeEntry;
    const realWrite = captureStreams((name, text) => this.router.write(name, text), this.restore);
    this.router = new OutputRouter(options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT, realWrite, setTimeout);
    this.scripts = new CellScripts([layout.kernelDir], layout.runtimeDir);
    this.restore.push(this.scripts.installStackMapping());

    setDisplaySink(this.router.displaySink());
    setPreludeSession({
      page: (bundle) => {
        const out = this.router.running();
        if (out) out.page(bundle);
        else this.router.write("stdout", bundle["text/plain"] + "\n");
      },
      input: (prompt, password) => {
        const out = this.router.running();
        // What the cell printed so far goes out first, so the prompt comes after it.
        this.router.flush();
        return out ? out.input(prompt, password) : Promise.reject(new Error("input() needs a running cell"));
      },
    });
    this.restore.push(
      installFaultHandlers({
        report: (kind, error) => this.reportFault(kind, error),
        userCode: (running) => options.onUserCode?.(running),
      }),
      () => setDisplaySink(null),
      () => setPreludeSession(null),
      installAwaitHelper(),
    );

    this.cellFilename = path.join(cwd, "__nnlab_cell__.js");
    let hdf5Started = false;
    const loadRuntime = (): unknown => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a computed path, loaded when a cell first imports nnlab
      const runtime = require(layout.runtimeEntry) as { keras?: { saving?: { ready?: () => Promise<void> } } };
      // HDF5 (Keras's .keras and .weights.h5 files) compiles its WebAssembly asynchronously: start it with the
      // runtime, and let the next cell wait for it, so cells save and load Keras files without awaiting it.
      if (!hdf5Started) {
        hdf5Started = true;
        this.hdf5Starting = runtime.keras?.saving?.ready?.().catch(() => undefined) ?? null;
      }
      return runtime;
    };
    this.cellRequire = createCellRequire(ts, this.cellFilename, {
      tslab: () => tslabCompat,
      nnlab: loadRuntime,
      "nnlab/runtime": loadRuntime,
    });
    this.cellModule = { exports: this.scope, require: this.cellRequire, id: ".", filename: this.cellFilename };

    for (const name of prelude.PRELUDE_NAMES) this.scope[name] = prelude[name];
    for (const name of runtimeNames) {
      defineLazy(this.scope, name, () => (loadRuntime() as Record<string, unknown>)[name]);
    }
  }

  async execute(code: string, out: CellOutput, options: ExecuteOptions): Promise<ExecuteOutcome> {
    if (this.hdf5Starting) {
      await this.hdf5Starting;
      this.hdf5Starting = null;
    }
    this.router.setCurrent(out);
    beginOutputScope();
    try {
      const conversion = this.converter.convert(code);
      if (conversion.kind === "diagnostics") {
        return { status: "error", ...formatDiagnostics(options.executionCount, code, conversion.diagnostics) };
      }
      // Committed before running: what a cell defined before an error or interrupt stays usable.
      conversion.commit();
      const run = this.compile(
        code,
        conversion.js,
        conversion.sourceMap,
        conversion.topLevelAwait,
        options.executionCount,
      );
      const value = await this.runInterruptibly(run);
      if (value === undefined || options.silent) return { status: "ok" };
      return { status: "ok", result: { bundle: this.bundleOf(value), metadata: {} } };
    } catch (error) {
      return { status: "error", ...(error === INTERRUPTED ? INTERRUPTED : this.scripts.format(error)) };
    } finally {
      this.router.setCurrent(null);
    }
  }

  evaluateExpression(expression: string): UserExpressionResult {
    try {
      const conversion = this.converter.convert(expression);
      if (conversion.kind === "diagnostics") {
        return { status: "error", ...formatDiagnostics(0, expression, conversion.diagnostics) };
      }
      if (conversion.topLevelAwait) throw new Error("user_expressions cannot await");
      const value = this.compile(expression, conversion.js, conversion.sourceMap, false, 0)();
      return { status: "ok", data: this.bundleOf(value), metadata: {} };
    } catch (error) {
      return { status: "error", ...this.scripts.format(error) };
    }
  }

  isComplete(code: string): IsCompleteResult {
    return isComplete(this.ts, code);
  }

  complete(code: string, cursorPos: number): CompletionResult {
    const offset = utf16Offset(code, cursorPos);
    const completion = this.converter.complete(code, offset);
    const start = codePointOffset(code, completion.start);
    const end = codePointOffset(code, completion.end);
    return {
      matches: completion.entries.map((e) => e.name),
      cursorStart: start,
      cursorEnd: end,
      metadata: {
        _jupyter_types_experimental: completion.entries.map((e) => ({ start, end, text: e.name, type: e.kind })),
      },
    };
  }

  inspect(code: string, cursorPos: number, _detailLevel: number): InspectionResult {
    const found = this.converter.describe(code, utf16Offset(code, cursorPos));
    if (!found) return { found: false };
    const docs = found.documentation ? `\n\n${found.documentation}` : "";
    return {
      found: true,
      bundle: {
        "text/plain": found.signature + docs,
        "text/markdown": "```ts\n" + found.signature + "\n```" + docs,
      },
    };
  }

  interrupt(): void {
    this.options.onUserCode?.(false);
    interruptAwaits();
    this.recoverRuntime();
    this.interruptPending?.();
  }

  setFallbackOutput(out: CellOutput | null): void {
    this.router.setFallback(out);
  }

  dispose(): void {
    this.router.flush();
    for (const undo of this.restore.splice(0).reverse()) undo();
  }

  /**
   * Terminated code skipped its `finally` blocks: the runtime (if a cell loaded it) resets its tidy scopes
   * and gradient mode, and stops a fit that still awaits between batches.
   */
  private recoverRuntime(): void {
    const runtime = require.cache[this.runtimeEntry]?.exports as { recoverAfterInterrupt?: () => void } | undefined;
    runtime?.recoverAfterInterrupt?.();
  }

  /** A result's bundle; an Error value reads like a traceback, with cell lines mapped. */
  private bundleOf(value: unknown): MimeBundle {
    if (value instanceof Error && !isDisplayable(value))
      return { "text/plain": this.scripts.format(value).traceback.join("\n") };
    return bundleForValue(value);
  }

  /** The cell as a function of nothing, compiled under a script name its stack frames map back from. */
  private compile(
    code: string,
    js: string,
    sourceMap: string,
    isAsync: boolean,
    executionCount: number,
  ): () => unknown {
    const scriptName = this.scripts.register(executionCount, code, sourceMap, 1);
    const wrapped = `(${isAsync ? "async " : ""}function (exports, require, module, __filename, __dirname) {\n${js}\n})`;
    const fn = vm.runInThisContext(wrapped, { filename: scriptName }) as (...args: unknown[]) => unknown;
    return () => fn(this.scope, this.cellRequire, this.cellModule, this.cellFilename, this.cwd);
  }

  /**
   * Starts the cell from a microtask (where the watchdog may terminate it safely) and settles at
   * once with INTERRUPTED when `interrupt()` is called, whether the cell awaits or was terminated.
   */
  private runInterruptibly(run: () => unknown): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- INTERRUPTED is the cell's error outcome, not an Error
      this.interruptPending = () => reject(INTERRUPTED);
      Promise.resolve()
        .then(() => {
          this.options.onUserCode?.(true);
          try {
            return run();
          } finally {
            this.options.onUserCode?.(false);
          }
        })
        .then(resolve, reject);
    }).finally(() => {
      this.interruptPending = null;
    });
  }

  private reportFault(kind: FaultKind, error: unknown): void {
    // An async function of an interrupted cell that nobody awaited, ended at its next await: that was the point.
    if (kind === "unhandledRejection" && error instanceof InterruptedAwait) return;
    const heading = {
      timer: "Uncaught error in a timer callback",
      unhandledRejection: "Unhandled promise rejection",
      uncaughtException: "Uncaught exception",
    }[kind];
    const formatted = this.scripts.format(error);
    this.router.write("stderr", `${heading}:\n${formatted.traceback.join("\n")}\n`);
  }
}

/**
 * Replaces `process.stdout.write` / `process.stderr.write` with writes into `sink`; returns the
 * real writers (for output that has no cell to go to). The undo goes into `restore`.
 */
function captureStreams(
  sink: (name: StreamName, text: string) => void,
  restore: Array<() => void>,
): Record<StreamName, (text: string) => void> {
  const real = {} as Record<StreamName, (text: string) => void>;
  for (const name of ["stdout", "stderr"] as const) {
    const stream = process[name];
    // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with .call(stream) and put back
    const original = stream.write;
    real[name] = (text) => original.call(stream, text);
    stream.write = function write(
      chunk: unknown,
      encoding?: BufferEncoding | ((error?: Error | null) => void),
      callback?: unknown,
    ): boolean {
      const text =
        typeof chunk === "string"
          ? chunk
          : Buffer.from(chunk as Uint8Array).toString(typeof encoding === "string" ? encoding : "utf8");
      sink(name, text);
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") process.nextTick(done);
      return true;
    };
    restore.push(() => {
      stream.write = original;
    });
  }
  return real;
}

/** A scope entry computed on first use (the runtime loads only when a cell uses it); assignable. */
function defineLazy(scope: Record<string, unknown>, name: string, load: () => unknown): void {
  const settle = (value: unknown): void => {
    Object.defineProperty(scope, name, { value, writable: true, enumerable: true, configurable: true });
  };
  Object.defineProperty(scope, name, {
    configurable: true,
    enumerable: true,
    get() {
      const value = load();
      settle(value);
      return value;
    },
    set: settle,
  });
}

/** Names a module exports, read from its source or declaration file without loading it. */
function exportedNames(ts: typeof TS, moduleNoExtension: string): string[] {
  const file = [".d.ts", ".ts"].map((ext) => moduleNoExtension + ext).find((f) => fs.existsSync(f));
  if (!file) return [];
  const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false);
  const names: string[] = [];
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause) {
      const clause = statement.exportClause;
      if (ts.isNamespaceExport(clause)) names.push(clause.name.text);
      else for (const element of clause.elements) names.push(element.name.text);
      continue;
    }
    const exported =
      ts.canHaveModifiers(statement) &&
      (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
    } else {
      const name = (statement as TS.Statement & { name?: TS.Node }).name;
      if (name && ts.isIdentifier(name)) names.push(name.text);
    }
  }
  return names;
}

/** Jupyter counts cursor positions in code points; JavaScript strings in UTF-16 units. */
function utf16Offset(text: string, codePoints: number): number {
  let offset = 0;
  for (let i = 0; i < codePoints && offset < text.length; i++) offset += text.codePointAt(offset)! > 0xffff ? 2 : 1;
  return offset;
}

function codePointOffset(text: string, utf16: number): number {
  return Array.from(text.slice(0, utf16)).length;
}
