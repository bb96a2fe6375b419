import { afterAll, describe, expect, it } from "vitest";
import { registerBackend, setBackend } from "../../runtime/backend/registry";
import { WebGpuBridge } from "../../runtime/backend/gpujs/webgpu_bridge";
import { nn } from "../../runtime/nn";
import { backendConformance } from "../runtime/backend_conformance";
import { convNetGradients, expectGradientsClose } from "./conv_net";

/**
 * gpu.js's webgpu mode (WGSL compute shaders) on Dawn (npm `webgpu`, a
 * devDependency) through its OpenGL ES backend on Mesa's llvmpipe: the
 * kernels a WebGPU device would run, checked for correctness (speed here
 * means nothing). WebGPU reads are asynchronous, so the backend runs in a
 * worker behind the synchronous bridge (runtime/backend/gpujs/webgpu_bridge.ts),
 * which loads the compiled host from dist/: `npm test` builds first; after
 * editing runtime/backend/gpujs, run `npm run build` before this file alone.
 * Without Mesa's EGL (Debian libegl1, libgl1-mesa-dri) Dawn offers no adapter
 * and this file fails, saying so.
 */
let shared: WebGpuBridge | null = null;
const bridge = (): WebGpuBridge => (shared ??= new WebGpuBridge());
registerBackend({ name: "gpujs-webgpu", priority: -1, create: bridge });

afterAll(() => {
  setBackend("reference");
  shared?.destroy();
});

// WGSL float32 arithmetic with Mesa's shader library for transcendentals: the CPU and GL modes' tolerance.
backendConformance("gpujs (webgpu mode, Dawn on llvmpipe)", bridge, { atol: 1e-5, rtol: 1e-4 });

describe("gpu.js webgpu mode behind the synchronous bridge", () => {
  it("is what nn.backend() reports once chosen", () => {
    setBackend("gpujs-webgpu");
    expect(nn.backend()).toMatchObject({ name: "gpujs", mode: "webgpu" });
  });

  it("computes the loss and every gradient of a small conv net as the reference does", () => {
    expectGradientsClose(convNetGradients("gpujs-webgpu"), convNetGradients("reference"), 1e-3, 1e-5);
  });

  it("fails at construction, naming Dawn's options, when Dawn offers no adapter", () => {
    // Direct3D 12 exists only on Windows.
    expect(() => new WebGpuBridge({ dawnOptions: ["backend=d3d12"] })).toThrow(
      /Dawn \(backend=d3d12\) offers no WebGPU adapter here/,
    );
  });

  it("names the primitive when the worker reports an error", () => {
    const b = bridge();
    const x = b.upload(new Float32Array([1, 2]), "float32");
    b.dispose(x);
    expect(() => b.read(x, 2, "float32")).toThrow(
      /gpujs backend \(webgpu mode\): read: webgpu bridge: handle \d+ is unknown/,
    );
  });

  it("frees nothing and never blocks once destroyed, while any other call says the bridge is gone", () => {
    // Garbage-collected tensors call dispose from finalizers, possibly after the bridge is destroyed:
    // waiting there for an answer blocked for the whole timeout and then threw an uncaught error.
    const own = new WebGpuBridge({ timeoutMs: 2000 });
    const x = own.upload(new Float32Array([1, 2, 3]), "float32");
    const y = own.upload(new Float32Array([4, 5, 6]), "float32");
    own.dispose(x);
    expect(Array.from(own.read(y, 3, "float32") as Float32Array)).toEqual([4, 5, 6]);
    own.destroy();
    expect(() => own.dispose(y)).not.toThrow();
    expect(() => own.read(y, 3, "float32")).toThrow(/webgpu bridge: read called after the bridge was destroyed/);
  });
});
