import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GpuJsBackend, GpuJsStorage } from "../../runtime/backend/gpujs/backend";
import { setBackend } from "../../runtime/backend/registry";
import { nn } from "../../runtime/nn";
import { backendConformance } from "../runtime/backend-conformance";
import { convNetGradients, expectGradientsClose } from "./conv-net";
import { ensureDisplay, stopDisplay } from "./display";
import { gpujsBackendName } from "./modes";

/**
 * gpu.js's GPU path (GLSL kernels through headless-gl), run on Mesa's
 * software renderer under Xvfb: the kernels a real GPU would run, checked for
 * correctness (speed here means nothing). Needs the `gl` package built
 * (package.json allowScripts) and Debian's xvfb; without them this file
 * fails, naming what is missing.
 */
beforeAll(async () => {
  await ensureDisplay();
  const { GPU } = await import("gpu.js");
  if (!GPU.isHeadlessGLSupported) {
    throw new Error(
      "headless-gl cannot create a context: build the gl package (npm install with gl in allowScripts; " +
        "Debian packages python3 make g++ pkg-config libx11-dev libxi-dev libxext-dev libgl-dev libgl1-mesa-dri)",
    );
  }
});

afterAll(() => {
  setBackend("reference");
  stopDisplay();
});

// GLSL float32 arithmetic, with transcendentals from Mesa's shader library: same tolerance as the CPU modes.
backendConformance("gpujs (headlessgl mode)", () => new GpuJsBackend({ mode: "headlessgl" }), { atol: 1e-5, rtol: 1e-4 });

describe("gpu.js headlessgl mode", () => {
  it("is what nn.backend() reports once chosen", () => {
    setBackend(gpujsBackendName("headlessgl"));
    expect(nn.backend()).toMatchObject({ name: "gpujs", mode: "headlessgl" });
  });

  it("keeps results on the GPU as textures until they are read", () => {
    const b = new GpuJsBackend({ mode: "headlessgl" });
    const x = b.upload(new Float32Array([1, -2, 3]), "float32");
    const y = b.unary("relu", x, 3);
    expect(y).toBeInstanceOf(GpuJsStorage);
    expect(y.value).not.toBeInstanceOf(Float32Array);
    expect(Array.from(b.read(y, 3, "float32"))).toEqual([1, 0, 3]);
    b.dispose(x);
    b.dispose(y);
    expect(y.value).toBeNull();
  });

  it("computes the loss and every gradient of a small conv net as the reference does", () => {
    expectGradientsClose(convNetGradients(gpujsBackendName("headlessgl")), convNetGradients("reference"), 1e-3, 1e-5);
  });
});
