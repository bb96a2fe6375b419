/**
 * Cells to JavaScript through one TypeScript language service that lives as long as the kernel.
 *
 * Each cell is the module `<cwd>/__nnlab_cell__.ts`: the user's code first (so its offsets are the
 * cell's own), then a line that imports every name of earlier cells from the virtual module
 * `__nnlab_prev__.d.ts` and exports every top-level name of this cell. The emitted CommonJS runs
 * with `exports` bound to the kernel's scope object; references to earlier cells' names are
 * rewritten to `exports.name` (see transform.ts), and the cell's declaration output becomes the
 * next version of `__nnlab_prev__.d.ts` (see declarations.ts).
 */
import * as path from "node:path";
import type * as TS from "typescript";
import { DeclarationStore } from "./declarations";
import { cellTransformers, findHelpCalls } from "./transform";

export interface ConverterOptions {
  /** The kernel's working directory: cells resolve imports from here. */
  cwd: string;
  /** Module specifiers (absolute, extensionless) of what every cell can use without importing. */
  prelude: Array<{ names: string[]; from: string }>;
  /** Bare module names that resolve to nnlab's own files (`tslab` compatibility, the runtime). */
  paths: Record<string, string>;
}

/** A TypeScript diagnostic in cell coordinates (1-based line and column). */
export interface CellDiagnostic {
  line: number;
  column: number;
  message: string;
  code: number;
}

type Conversion =
  | { kind: "diagnostics"; diagnostics: CellDiagnostic[] }
  | {
      kind: "ok";
      /** CommonJS, to run with (exports, require, module, __filename, __dirname). */
      js: string;
      /** Source map of `js` back to the cell (a JSON string). */
      sourceMap: string;
      topLevelAwait: boolean;
      /** Makes the cell's declarations visible to later cells. */
      commit(): void;
    };

interface Completion {
  /** Offsets (UTF-16) of the text the matches replace. */
  start: number;
  end: number;
  entries: Array<{ name: string; kind: string }>;
}

interface Description {
  signature: string;
  documentation: string;
}

export interface Converter {
  convert(code: string): Conversion;
  complete(code: string, offset: number): Completion;
  describe(code: string, offset: number): Description | undefined;
}

const CELL_FILE = "__nnlab_cell__.ts";
const PREV_FILE = "__nnlab_prev__.d.ts";
const PREV_SPECIFIER = "./__nnlab_prev__";

/** Diagnostics that only say "top-level await needs ESM": cells run in an async function instead. */
const TOP_LEVEL_AWAIT_CODES = new Set([1378, 1432, 2854]);
/** "Cannot assign to 'x' because it is an import": allowed for `let`/`var` of earlier cells. */
const ASSIGN_TO_IMPORT = 2632;

export function createConverter(ts: typeof TS, options: ConverterOptions): Converter {
  const cellPath = normalize(path.join(options.cwd, CELL_FILE));
  const prevPath = normalize(path.join(options.cwd, PREV_FILE));
  const store = new DeclarationStore(ts);
  for (const group of options.prelude) for (const name of group.names) store.addImport(name, group.from);

  const virtual = new Map<string, { version: number; text: string }>([
    [cellPath, { version: 0, text: "export {};\n" }],
    [prevPath, { version: 0, text: store.moduleText() }],
  ]);
  const setVirtual = (file: string, text: string): void => {
    const entry = virtual.get(file)!;
    if (entry.text !== text) virtual.set(file, { version: entry.version + 1, text });
  };

  const compilerOptions = compilerOptionsFor(ts, options);
  const host: TS.LanguageServiceHost = {
    getScriptFileNames: () => [prevPath, cellPath],
    getScriptVersion: (file) => String(virtual.get(file)?.version ?? 0),
    getScriptSnapshot: (file) => {
      const text = virtual.get(file)?.text ?? ts.sys.readFile(file);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => options.cwd,
    getCompilationSettings: () => compilerOptions,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (file) => virtual.has(file) || ts.sys.fileExists(file),
    readFile: (file, encoding) => virtual.get(file)?.text ?? ts.sys.readFile(file, encoding),
    directoryExists: (dir) => ts.sys.directoryExists(dir),
    getDirectories: (dir) => ts.sys.getDirectories(dir),
    readDirectory: (...args) => ts.sys.readDirectory(...args),
    useCaseSensitiveFileNames: () => true,
  };
  const service = ts.createLanguageService(host, documentRegistry(ts, options.cwd));

  /** Puts `code` into the cell file; returns the names the cell declares itself. */
  function load(code: string): Set<string> {
    const own = topLevelNames(ts, code);
    const imported = store.names().filter((name) => !own.declared.has(name));
    const exported = [...own.declared].filter((name) => !own.exported.has(name));
    // A line break and `;` end whatever the user's last line left open (a completion request in
    // `keras.` must not read the next line as a member name).
    const suffix = [
      "\n;",
      imported.length > 0 ? `import { ${imported.join(", ")} } from "${PREV_SPECIFIER}";` : "",
      `export { ${exported.join(", ")} };`,
    ].join("\n");
    setVirtual(prevPath, store.moduleText());
    setVirtual(cellPath, code + suffix);
    return own.declared;
  }

  /** The name at (or just before) `offset`; else the call whose arguments `offset` is in (Shift+Tab after `f(`). */
  function describeAt(offset: number): Description | undefined {
    const info =
      service.getQuickInfoAtPosition(cellPath, offset) ??
      (offset > 0 ? service.getQuickInfoAtPosition(cellPath, offset - 1) : undefined);
    if (info) {
      const signature = ts
        .displayPartsToString(info.displayParts)
        .replace(/^\(alias\) /, "")
        .replace(/\nimport [\w$]+$/, "");
      return { signature, documentation: documentationOf(info.documentation, info.tags) };
    }
    const help = service.getSignatureHelpItems(cellPath, offset, undefined);
    const item = help?.items[help.selectedItemIndex];
    if (!item) return undefined;
    const parameters = item.parameters.map((p) => ts.displayPartsToString(p.displayParts));
    const signature =
      ts.displayPartsToString(item.prefixDisplayParts) +
      parameters.join(ts.displayPartsToString(item.separatorDisplayParts)) +
      ts.displayPartsToString(item.suffixDisplayParts);
    return { signature, documentation: documentationOf(item.documentation, item.tags) };
  }

  function documentationOf(
    documentation: TS.SymbolDisplayPart[] | undefined,
    tags: TS.JSDocTagInfo[] | undefined,
  ): string {
    const tagLines = (tags ?? []).map((tag) => `@${tag.name} ${ts.displayPartsToString(tag.text)}`.trim());
    return [ts.displayPartsToString(documentation), ...tagLines].filter(Boolean).join("\n");
  }

  return {
    convert(code) {
      const declared = load(code);
      const program = service.getProgram()!;
      const file = program.getSourceFile(cellPath)!;
      const { diagnostics, topLevelAwait } = cellDiagnostics(ts, program, file, code.length, store);
      if (diagnostics.length > 0) return { kind: "diagnostics", diagnostics };

      const helpDocs = new Map<number, string>();
      for (const call of findHelpCalls(ts, program.getTypeChecker(), file, code.length)) {
        const described = describeAt(call.argumentEnd - 1);
        if (described) helpDocs.set(call.position, [described.signature, described.documentation].join("\n\n").trim());
      }
      let js = "";
      let sourceMap = "";
      let dts = "";
      program.emit(
        file,
        (name, text) => {
          if (name.endsWith(".js")) js = text.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "\n");
          else if (name.endsWith(".js.map")) sourceMap = text;
          else if (name.endsWith(".d.ts")) dts = text;
        },
        undefined,
        false,
        cellTransformers(ts, program.getTypeChecker(), {
          userEnd: code.length,
          prevSpecifier: PREV_SPECIFIER,
          helpDocs,
        }),
      );
      return { kind: "ok", js, sourceMap, topLevelAwait, commit: () => store.commit(declared, dts) };
    },

    complete(code, offset) {
      load(code);
      let start = offset;
      while (start > 0 && /[\w$]/.test(code[start - 1])) start--;
      const typed = code.slice(start, offset);
      const info = service.getCompletionsAtPosition(cellPath, offset, { includeCompletionsWithInsertText: false });
      const entries = (info?.entries ?? [])
        .filter((entry) => entry.name.toLowerCase().startsWith(typed.toLowerCase()))
        .sort(
          (a, b) =>
            rank(a, typed) - rank(b, typed) || a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name),
        )
        .map((entry) => ({
          name: entry.name,
          kind: entry.kind === ts.ScriptElementKind.alias ? "variable" : entry.kind,
        }));
      return { start, end: offset, entries };
    },

    describe(code, offset) {
      load(code);
      return describeAt(offset);
    },
  };
}

/**
 * A document registry that skips doc comments in Node's and the standard library's declaration
 * files: parsing them is a fifth of the first type check, the slowest part of the kernel's start.
 * Hover and `help` keep the doc comments of the prelude, the runtime and the user's packages.
 */
function documentRegistry(ts: typeof TS, cwd: string): TS.DocumentRegistry {
  const withDocs = ts.createDocumentRegistry(true, cwd);
  const noDocs = ts.createDocumentRegistry(true, cwd, ts.JSDocParsingMode.ParseNone);
  const libDir = normalize(path.dirname(ts.getDefaultLibFilePath({})));
  const isLibrary = (file: string): boolean => file.startsWith(libDir) || file.includes("/node_modules/@types/node/");
  const pick = (file: string): TS.DocumentRegistry => (isLibrary(file) ? noDocs : withDocs);
  const mode = (file: string, options: TS.CreateSourceFileOptions | TS.ScriptTarget | undefined) =>
    typeof options === "object" && isLibrary(file)
      ? { ...options, jsDocParsingMode: ts.JSDocParsingMode.ParseNone }
      : options;
  return {
    acquireDocument: (file, settings, snapshot, version, kind, options) =>
      pick(file).acquireDocument(file, settings, snapshot, version, kind, mode(file, options)),
    acquireDocumentWithKey: (file, filePath, settings, key, snapshot, version, kind, options) =>
      pick(file).acquireDocumentWithKey(file, filePath, settings, key, snapshot, version, kind, mode(file, options)),
    updateDocument: (file, settings, snapshot, version, kind, options) =>
      pick(file).updateDocument(file, settings, snapshot, version, kind, mode(file, options)),
    updateDocumentWithKey: (file, filePath, settings, key, snapshot, version, kind, options) =>
      pick(file).updateDocumentWithKey(file, filePath, settings, key, snapshot, version, kind, mode(file, options)),
    getKeyForCompilationSettings: (settings) => withDocs.getKeyForCompilationSettings(settings),
    releaseDocument: (file: string, settings: TS.CompilerOptions, kind?: TS.ScriptKind, format?: TS.ResolutionMode) =>
      pick(file).releaseDocument(file, settings, kind!, format),
    releaseDocumentWithKey: (
      filePath: TS.Path,
      key: TS.DocumentRegistryBucketKey,
      kind?: TS.ScriptKind,
      format?: TS.ResolutionMode,
    ) => pick(filePath).releaseDocumentWithKey(filePath, key, kind!, format),
    reportStats: () => withDocs.reportStats() + noDocs.reportStats(),
  };
}

/** Exact-case prefix matches before case-insensitive ones. */
function rank(entry: TS.CompletionEntry, prefix: string): number {
  return entry.name.startsWith(prefix) ? 0 : 1;
}

function compilerOptionsFor(ts: typeof TS, options: ConverterOptions): TS.CompilerOptions {
  // @types/node is nnlab's own: found from this installation whatever the kernel's cwd.
  const typeRoot = path.dirname(path.dirname(require.resolve("@types/node/package.json")));
  const paths: Record<string, string[]> = {};
  for (const [name, target] of Object.entries(options.paths)) paths[name] = [target];
  return {
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2023.d.ts"],
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    resolveJsonModule: true,
    types: ["node"],
    typeRoots: [typeRoot],
    paths,
    skipLibCheck: true,
    declaration: true,
    sourceMap: true,
    newLine: ts.NewLineKind.LineFeed,
    // Notebook code: implicit `any` and loose null checks, as tslab.
    strict: false,
  };
}

function cellDiagnostics(
  ts: typeof TS,
  program: TS.Program,
  file: TS.SourceFile,
  userEnd: number,
  store: DeclarationStore,
): { diagnostics: CellDiagnostic[]; topLevelAwait: boolean } {
  let topLevelAwait = false;
  const diagnostics: CellDiagnostic[] = [];
  const all = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
  for (const d of all) {
    if (d.category !== ts.DiagnosticCategory.Error || d.start === undefined) continue;
    if (TOP_LEVEL_AWAIT_CODES.has(d.code)) {
      topLevelAwait = true;
      continue;
    }
    let message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (d.code === ASSIGN_TO_IMPORT) {
      const name = /'([^']+)'/.exec(message)?.[1] ?? "";
      if (store.isMutable(name)) continue;
      if (store.has(name))
        message = `Cannot assign to '${name}' because it is a constant (declared in an earlier cell).`;
    }
    // Only the user's code: the generated suffix line cannot be fixed by the user.
    const start = Math.min(d.start, userEnd);
    const { line, character } = file.getLineAndCharacterOfPosition(start);
    diagnostics.push({ line: line + 1, column: character + 1, message, code: d.code });
  }
  return { diagnostics, topLevelAwait: topLevelAwait || hasTopLevelAwait(ts, file) };
}

/**
 * An `await` outside any function. The diagnostics above miss some (TypeScript reports none for
 * `await (async () => 1)()` or `await (p)` in a CommonJS program), and a cell compiled without its
 * async wrapper would then call a function named `await`.
 */
function hasTopLevelAwait(ts: typeof TS, file: TS.SourceFile): boolean {
  const visit = (node: TS.Node): boolean => {
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined)) return true;
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) return false;
    return ts.forEachChild(node, visit) ?? false;
  };
  return visit(file);
}

/** Top-level names a cell declares (and those it already exports itself). */
function topLevelNames(ts: typeof TS, code: string): { declared: Set<string>; exported: Set<string> } {
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false);
  const declared = new Set<string>();
  const exported = new Set<string>();
  const bind = (name: TS.BindingName, isExported: boolean): void => {
    if (ts.isIdentifier(name)) {
      declared.add(name.text);
      if (isExported) exported.add(name.text);
      return;
    }
    for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name, isExported);
  };
  for (const statement of file.statements) {
    const isExported =
      ts.canHaveModifiers(statement) &&
      (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) bind(d.name, isExported);
    } else if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) declared.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) declared.add(bindings.name.text);
      else if (bindings) for (const e of bindings.elements) declared.add(e.name.text);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement) ||
        ts.isImportEqualsDeclaration(statement) ||
        (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name))) &&
      statement.name
    ) {
      bind(statement.name as TS.Identifier, isExported);
    }
  }
  return { declared, exported };
}

function normalize(file: string): string {
  return file.replace(/\\/g, "/");
}
