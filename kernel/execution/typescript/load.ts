/**
 * Loads the TypeScript compiler with a V8 code cache. Compiling the 9 MB typescript.js and the
 * functions the first type check needs is a large share of the kernel's start; Node 20 has no
 * built-in compile cache for CommonJS (module.enableCompileCache arrived in Node 22), so the
 * executor keeps one itself, in the user's cache directory, written after the first cell.
 */
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import type * as TS from "typescript";

export interface LoadedTypeScript {
  ts: typeof TS;
  /** Writes the code cache (call once the first cell has compiled what it needs). */
  saveCodeCache: () => void;
}

export function loadTypeScript(): LoadedTypeScript {
  const filename = require.resolve("typescript");
  const cached = require.cache[filename];
  if (cached?.loaded) return { ts: cached.exports as typeof TS, saveCodeCache: () => {} };
  try {
    return loadWithCodeCache(filename);
  } catch {
    // A cache that cannot be read or a compiler that refuses this path: the plain way still works.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiler is loaded on demand, not when this module loads
    return { ts: require("typescript") as typeof TS, saveCodeCache: () => {} };
  }
}

function loadWithCodeCache(filename: string): LoadedTypeScript {
  const source = fs.readFileSync(filename, "utf8");
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- read only when the compiler loads
  const version = (require("typescript/package.json") as { version: string }).version;
  const cacheFile = path.join(cacheDir(), `typescript-${version}-node-${process.version}-${process.arch}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename, cachedData });
  const dirname = path.dirname(filename);
  const mod = new Module(filename, module);
  mod.filename = filename;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname);
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(filename), mod, filename, dirname);
  mod.loaded = true;
  require.cache[filename] = mod;
  const needsWrite = cachedData === undefined || script.cachedDataRejected === true;
  return {
    ts: mod.exports as typeof TS,
    saveCodeCache: () => {
      if (!needsWrite) return;
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        const temporary = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, cacheFile);
      } catch {
        // No writable cache directory: the next start compiles again, nothing else changes.
      }
    },
  };
}

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || (os.homedir() ? path.join(os.homedir(), ".cache") : os.tmpdir());
  return path.join(base, "nnlab");
}
