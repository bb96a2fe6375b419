/**
 * Registers the gpu.js backend as "gpujs". Importing this is cheap: gpu.js
 * itself loads only when the backend is created (chosen, forced or probed).
 * `NNLAB_GPUJS_MODE` (gpu, headlessgl, webgl2, webgl, webasm, cpu) forces
 * gpu.js's mode; by default gpu.js picks the best one it can run.
 * Priority 20: above the reference backend (0), below the wasm backend (30),
 * which is an order of magnitude faster than gpu.js's CPU modes.
 */
import { registerBackend } from "../registry";
import { GPUJS_MODES, GpuJsBackend, type GpuJsMode } from "./backend";

registerBackend({ name: "gpujs", priority: 20, create: () => new GpuJsBackend({ mode: modeFromEnvironment() }) });

function modeFromEnvironment(): GpuJsMode | undefined {
  const forced = process.env.NNLAB_GPUJS_MODE;
  if (forced === undefined || forced === "") return undefined;
  if (!(GPUJS_MODES as readonly string[]).includes(forced)) {
    throw new Error(`NNLAB_GPUJS_MODE="${forced}" is not a gpu.js mode; use one of ${GPUJS_MODES.join(", ")}`);
  }
  return forced as GpuJsMode;
}
