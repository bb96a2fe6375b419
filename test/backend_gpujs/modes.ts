/**
 * The gpu.js modes this machine can run, each registered under its own
 * backend name ("gpujs-webasm", "gpujs-cpu") so that one test process can
 * drive them side by side through the op layer. GPU modes (headlessgl,
 * webgpu) need a GPU stack that these tests do not set up.
 */
import { registerBackend } from "../../runtime/backend/registry";
import { GpuJsBackend, type GpuJsMode } from "../../runtime/backend/gpujs/backend";

export const CPU_MODES: readonly GpuJsMode[] = ["webasm", "cpu"];

/** Registers (once) and returns the backend name that runs gpu.js in `mode`. */
export function gpujsBackendName(mode: GpuJsMode): string {
  const name = `gpujs-${mode}`;
  // Negative priority: never chosen automatically, only by name.
  registerBackend({ name, priority: -1, create: () => new GpuJsBackend({ mode }) });
  return name;
}
