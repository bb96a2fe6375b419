/**
 * Does gpu.js run on a real GPU here? The automatic backend choice asks this
 * once, at the first tensor op (never at import): the gpu.js backend should
 * outrank the wasm backend on a GPU and stay below it when gpu.js can only
 * reach the CPU, including a GL or WebGPU stack that Mesa renders in software
 * (llvmpipe, lavapipe), which is an order of magnitude slower than the wasm
 * kernels.
 *
 * headless-gl names its renderer "ANGLE" whatever draws underneath, so the
 * renderer string alone cannot tell llvmpipe from a GPU there; the facts
 * around it can: an Xvfb server always renders in software, and Linux with
 * no GPU device node (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg) has nothing
 * else to render with.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type * as GpuJs from "gpu.js";

/** What gpu.js would run on, and the verdict. */
export interface GpuVerdict {
  /** gpu.js's mode for `new GPU({ mode: "gpu" })`: "headlessgl", "webgl2", "webgl" on a GL stack, else "webasm" or "cpu". */
  mode: string;
  /** The GL renderer string ("" when no GL context was made). */
  renderer: string;
  /** True when gpu.js's kernels would run on graphics hardware. */
  hardware: boolean;
  /** Why, in a sentence (nn.backend() selection diagnostics and docs quote it). */
  why: string;
}

/** The facts `judgeGpu` decides from; `probeGpu` gathers them on this machine. */
export interface GpuFacts {
  mode: string;
  renderer: string;
  platform: NodeJS.Platform;
  /** A GPU device node exists (Linux). */
  gpuDevice: boolean;
  /** The X display is served by Xvfb. */
  xvfb: boolean;
}

const GL_MODES = new Set(["headlessgl", "webgl2", "webgl"]);
const SOFTWARE_RENDERER = /llvmpipe|softpipe|swrast|lavapipe|swiftshader|software|microsoft basic render/i;

/** Decides from `facts` whether gpu.js runs on graphics hardware. */
export function judgeGpu(facts: GpuFacts): GpuVerdict {
  const verdict = (hardware: boolean, why: string): GpuVerdict => ({
    mode: facts.mode,
    renderer: facts.renderer,
    hardware,
    why,
  });
  if (!GL_MODES.has(facts.mode)) return verdict(false, `gpu.js can only run on the CPU here (mode ${facts.mode})`);
  if (SOFTWARE_RENDERER.test(facts.renderer)) return verdict(false, `the GL renderer is software (${facts.renderer})`);
  if (facts.xvfb) return verdict(false, "the X display is an Xvfb server, which renders GL in software");
  if (facts.platform === "linux" && !facts.gpuDevice)
    return verdict(false, "no GPU device node (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg) exists");
  return verdict(true, `gpu.js runs ${facts.mode} on ${facts.renderer || "a GL device"}`);
}

let cached: GpuVerdict | null = null;

/**
 * Probes this machine once (cached). Without an X display on Linux headless-gl
 * cannot start, so gpu.js is not even loaded; otherwise gpu.js picks its mode
 * and, for a GL mode, a 1x1 context reports the renderer.
 */
export function probeGpu(): GpuVerdict {
  if (cached) return cached;
  const platform = process.platform;
  const facts: GpuFacts = { mode: "webasm", renderer: "", platform, gpuDevice: linuxGpuDevice(), xvfb: false };
  if (platform !== "linux" || process.env.DISPLAY) {
    facts.mode = gpujsMode();
    if (GL_MODES.has(facts.mode)) {
      facts.renderer = glRenderer();
      facts.xvfb = platform === "linux" && displayIsXvfb(process.env.DISPLAY ?? "");
    }
  }
  cached = judgeGpu(facts);
  return cached;
}

function gpujsMode(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- probed at the first tensor op, never at import (see the file comment)
  const gpujs = require("gpu.js") as typeof GpuJs;
  if (gpujs.GPU.isHeadlessGLSupported) return "headlessgl";
  return gpujs.GPU.isWebGL2Supported ? "webgl2" : gpujs.GPU.isWebGLSupported ? "webgl" : "webasm";
}

/** The unmasked renderer where the context exposes it (browsers), else GL_RENDERER. */
function glRenderer(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- headless-gl loads only for this probe
    const createContext = require("gl") as (w: number, h: number) => WebGLRenderingContextLike | null;
    const gl = createContext(1, 1);
    if (!gl) return "";
    const debug = gl.getExtension("WEBGL_debug_renderer_info") as { UNMASKED_RENDERER_WEBGL: number } | null;
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? "");
    (gl.getExtension("STACKGL_destroy_context") as { destroy(): void } | null)?.destroy();
    return renderer;
  } catch {
    return "";
  }
}

/** The few members of headless-gl's context used here (the DOM typings are not loaded in Node). */
interface WebGLRenderingContextLike {
  readonly RENDERER: number;
  /** What this file asks for (GL_RENDERER and the unmasked renderer) is a string. */
  getParameter(name: number): string | null;
  getExtension(name: string): unknown;
}

function linuxGpuDevice(): boolean {
  if (["/dev/nvidia0", "/dev/dxg"].some((p) => existsSync(p))) return true;
  try {
    return readdirSync("/dev/dri").some((name) => name.startsWith("renderD"));
  } catch {
    return false;
  }
}

/** Whether a running Xvfb process serves `display` (":99" or "host:99.0"). */
function displayIsXvfb(display: string): boolean {
  const number = /:(\d+)/.exec(display)?.[1];
  if (number === undefined) return false;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "Xvfb") continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (args.includes(`:${number}`)) return true;
    } catch {
      // The process ended while being read, or belongs to another user: not ours to judge.
    }
  }
  return false;
}
