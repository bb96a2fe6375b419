import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GpuJsBackend, GpuJsStorage } from "../../runtime/backend/gpujs/backend";
import { setBackend } from "../../runtime/backend/registry";
import { nn } from "../../runtime/nn";
import { backendConformance } from "../runtime/backend_conformance";
import { convNetGradients, expectGradientsClose } from "./conv_net";
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
backendConformance("gpujs (headlessgl mode)", () => new GpuJsBackend({ mode: "headlessgl" }), {
  atol: 1e-5,
  rtol: 1e-4,
});

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

  it("keeps tensors above 2^24 elements in host memory and gathers rows from them exactly", () => {
    // 4097 x 4096 = 16,781,312 elements, just past 2^24: beyond exact float32 addressing in GLSL.
    const rows = 4097;
    const cols = 4096;
    const big = new Float32Array(rows * cols).map((_, i) => i % 4099);
    const b = new GpuJsBackend({ mode: "headlessgl" });
    const halved = b.binary(
      "mul",
      b.upload(big, "float32"),
      [rows, cols],
      b.upload(new Float32Array([0.5]), "float32"),
      [],
      [rows, cols],
    );
    expect(halved.value).toBeInstanceOf(Float32Array);
    const indices = b.upload(new Int32Array([rows - 1]), "int32");
    const lastRow = b.read(b.gather(halved, [rows, cols], "float32", indices, 1, 0), cols, "float32");
    expect(Array.from(lastRow)).toEqual(Array.from(big.subarray((rows - 1) * cols), (v) => v * 0.5));
    b.destroy();
  });

  it("computes the loss and every gradient of a small conv net as the reference does", () => {
    expectGradientsClose(convNetGradients(gpujsBackendName("headlessgl")), convNetGradients("reference"), 1e-3, 1e-5);
  });
});
