/**
 * Registers the gpu.js backend as "gpujs". Importing this is cheap: gpu.js
 * itself loads only when the backend is created (chosen, forced or probed).
 * `NNLAB_GPUJS_MODE` (gpu, headlessgl, webgl2, webgl, webasm, cpu, webgpu)
 * forces gpu.js's mode; by default gpu.js picks the best one it can run
 * (never webgpu, which runs through webgpu_bridge.ts).
 * Rank 40 when gpu.js finds graphics hardware (see device.ts), above the wasm
 * backend (30); otherwise 20, above the reference (0) and below wasm, which
 * is an order of magnitude faster than gpu.js's CPU and software-GL modes.
 */
import { registerBackend } from "../registry";
import { GPUJS_MODES, GpuJsBackend, type GpuJsMode } from "./backend";
import { probeGpu } from "./device";
import { WebGpuBridge } from "./webgpu_bridge";

const ON_CPU = 20;
const ON_GPU = 40;

registerBackend({
  name: "gpujs",
  priority: ON_CPU,
  rank: () => (probeGpu().hardware ? ON_GPU : ON_CPU),
  create: () => {
    const mode = modeFromEnvironment();
    // WebGPU reads are asynchronous: that mode runs in a worker behind a synchronous bridge.
    return mode === "webgpu" ? new WebGpuBridge() : new GpuJsBackend({ mode });
  },
});

function modeFromEnvironment(): GpuJsMode | "webgpu" | undefined {
  const forced = process.env.NNLAB_GPUJS_MODE;
  if (forced === undefined || forced === "") return undefined;
  if (forced !== "webgpu" && !(GPUJS_MODES as readonly string[]).includes(forced)) {
    throw new Error(
      `NNLAB_GPUJS_MODE="${forced}" is not a gpu.js mode; use one of ${[...GPUJS_MODES, "webgpu"].join(", ")}`,
    );
  }
  return forced as GpuJsMode | "webgpu";
}
