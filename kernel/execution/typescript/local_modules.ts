/**
 * `require` for cells that also loads TypeScript files next to the notebook (`import { f } from
 * "./helpers"` with helpers.ts), as tslab does. Node cannot load `.ts` itself; such files are
 * transpiled (types were already checked with the cell) and cached until they change.
 */
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import type * as TS from "typescript";

const TS_EXTENSIONS = [".ts", ".tsx", "/index.ts", "/index.tsx"];

/** A `require` resolving from `filename` that also loads relative `.ts` files; `special` ids come first. */
export function createCellRequire(
  ts: typeof TS,
  filename: string,
  special: Record<string, () => unknown>,
): NodeJS.Require {
  const cache = new Map<string, { mtimeMs: number; module: Module }>();

  const requireFrom = (from: string): NodeJS.Require => {
    const base = Module.createRequire(from);
    const load = (id: string): unknown => {
      if (special[id]) return special[id]();
      const local = id.startsWith(".") ? typeScriptFile(path.resolve(path.dirname(from), id)) : undefined;
      return local ? loadTypeScript(local) : base(id);
    };
    return Object.assign(load, {
      resolve: base.resolve,
      cache: base.cache,
      main: base.main,
      extensions: base.extensions,
    }) as NodeJS.Require;
  };

  const loadTypeScript = (file: string): unknown => {
    const mtimeMs = fs.statSync(file).mtimeMs;
    const cached = cache.get(file);
    if (cached && cached.mtimeMs === mtimeMs) return cached.module.exports;
    const output = ts.transpileModule(fs.readFileSync(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        jsx: ts.JsxEmit.React,
        inlineSourceMap: true,
      },
    }).outputText;
    const mod = new Module(file, module);
    mod.filename = file;
    mod.require = requireFrom(file);
    cache.set(file, { mtimeMs, module: mod });
    (mod as unknown as { _compile(code: string, filename: string): void })._compile(output, file);
    mod.loaded = true;
    return mod.exports;
  };

  return requireFrom(filename);
}

/** The `.ts` file a relative import names, if it is one (a `.js` file of that name wins). */
function typeScriptFile(resolved: string): string | undefined {
  if (/\.tsx?$/.test(resolved) && fs.existsSync(resolved)) return resolved;
  if (fs.existsSync(resolved + ".js") || fs.existsSync(path.join(resolved, "index.js"))) return undefined;
  return TS_EXTENSIONS.map((ext) => resolved + ext).find((candidate) => fs.existsSync(candidate));
}
