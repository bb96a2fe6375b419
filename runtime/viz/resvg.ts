import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { createContext, runInContext } from "node:vm";
import type * as ResvgWasm from "@resvg/resvg-wasm";

/**
 * resvg (a Rust SVG renderer compiled to WebAssembly, @resvg/resvg-wasm)
 * loaded synchronously, so viz functions stay synchronous and return a
 * finished PNG. The package's `initWasm` is async even when handed a compiled
 * `WebAssembly.Module`: it awaits `WebAssembly.instantiate`. So its glue code
 * runs in a `node:vm` context whose microtasks are drained when an evaluation
 * ends (`microtaskMode: "afterEvaluate"`), with a `WebAssembly.instantiate`
 * that instantiates at once; `initWasm(module)` has then finished by the time
 * `runInContext` returns. The .wasm file and the font come from node_modules
 * at first use; nothing is downloaded.
 *
 * V8 runs WebAssembly first as baseline (Liftoff) code and recompiles a
 * function with TurboFan once it has used up a budget of work. resvg's 2.4 MB
 * module spends that budget within the first figure's text, and recompiling
 * took about 1 s of CPU and some 90 MiB of memory, in exchange for speed that
 * a few dozen cached text runs never need. So resvg is compiled and
 * instantiated under a budget 100 times the default, the flag restored right
 * after: its functions are recompiled only when a session renders a great
 * deal of new text, and modules compiled later (the wasm backend's kernels)
 * tier up as usual. A process started with its own budget keeps it.
 */

type ResvgClass = typeof ResvgWasm.Resvg;

/** The pixels resvg drew: RGBA, row-major, premultiplied alpha. */
export interface RenderedPixels {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** The font figure text is drawn in (DejaVu Sans, from the dejavu-fonts-ttf package). */
export const FONT_FAMILY = "DejaVu Sans";

/** Renders an SVG document (its text in DejaVu Sans) to pixels. */
export function renderSvg(svg: string): RenderedPixels {
  const { Resvg, font } = (loaded ??= load());
  let renderer: InstanceType<ResvgClass> | undefined;
  try {
    renderer = new Resvg(svg, { font: { fontBuffers: [font], defaultFontFamily: FONT_FAMILY } });
    const image = renderer.render();
    const out = { width: image.width, height: image.height, pixels: image.pixels };
    image.free();
    return out;
  } catch (e) {
    throw new Error(`viz: resvg could not render a figure's SVG: ${String(e)}`, { cause: e });
  } finally {
    renderer?.free();
  }
}

/** The host's WebAssembly (the project compiles without the DOM lib, so TypeScript has no global for it). */
const hostWasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly;

let loaded: { Resvg: ResvgClass; font: Uint8Array } | undefined;

/** V8's default --wasm-tiering-budget (Node 20's V8 11.3 and later). */
const DEFAULT_TIERING_BUDGET = 1_800_000;

function load(): { Resvg: ResvgClass; font: Uint8Array } {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  if (flags.some((f) => f.startsWith("--wasm-tiering-budget") || f.startsWith("--wasm_tiering_budget"))) {
    return loadResvg();
  }
  setFlagsFromString(`--wasm-tiering-budget=${100 * DEFAULT_TIERING_BUDGET}`);
  try {
    return loadResvg();
  } finally {
    setFlagsFromString(`--wasm-tiering-budget=${DEFAULT_TIERING_BUDGET}`);
  }
}

function loadResvg(): { Resvg: ResvgClass; font: Uint8Array } {
  const glue = readFileSync(require.resolve("@resvg/resvg-wasm"), "utf8");
  const wasm = new hostWasm.Module(readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
  const module = { exports: {} as typeof ResvgWasm };
  // The host's Uint8Array, so the glue's `instanceof Uint8Array` accepts the font buffer passed from here.
  const sandbox = {
    module,
    exports: module.exports,
    Uint8Array,
    TextEncoder,
    TextDecoder,
    console,
    resvgModule: wasm,
    hostWasm,
  };
  const context = createContext(sandbox, { microtaskMode: "afterEvaluate" });
  runInContext(
    "globalThis.WebAssembly = { Module: hostWasm.Module, Instance: hostWasm.Instance," +
      " instantiate: (m, imports) => Promise.resolve(new hostWasm.Instance(m, imports)) };",
    context,
  );
  runInContext(glue, context, { filename: "@resvg/resvg-wasm/index.js" });
  runInContext(
    "globalThis.ready = false; module.exports.initWasm(resvgModule).then(() => { globalThis.ready = true; });",
    context,
  );
  if ((context as { ready?: boolean }).ready !== true)
    throw new Error("viz: resvg-wasm did not initialise synchronously");
  const font = new Uint8Array(readFileSync(require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf")));
  return { Resvg: module.exports.Resvg, font };
}
