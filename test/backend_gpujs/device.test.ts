import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { judgeGpu, probeGpu, type GpuFacts } from "../../runtime/backend/gpujs/device";
import { ReferenceBackend } from "../../runtime/backend/reference";
import { registerBackend, selectionOrder, setBackend } from "../../runtime/backend/registry";
import "../../runtime/backend/gpujs/register";
import "../../runtime/backend/wasm/register";

const nodeRequire = createRequire(import.meta.url);
const gpujsLoaded = (): boolean =>
  Object.keys(nodeRequire.cache).some((file) => file.includes("/node_modules/gpu.js/"));

const onLinuxGl: GpuFacts = { mode: "headlessgl", renderer: "ANGLE", platform: "linux", gpuDevice: true, xvfb: false };

describe("does gpu.js run on graphics hardware", () => {
  it("no when gpu.js can only pick a CPU mode", () => {
    expect(judgeGpu({ ...onLinuxGl, mode: "webasm", renderer: "" })).toMatchObject({
      hardware: false,
      why: expect.stringContaining("only run on the CPU") as unknown,
    });
  });

  it.each(["llvmpipe (LLVM 15.0.6, 256 bits)", "Mesa softpipe", "Google SwiftShader", "lavapipe"])(
    "no when the renderer is software: %s",
    (renderer) => {
      expect(judgeGpu({ ...onLinuxGl, renderer }).hardware).toBe(false);
    },
  );

  it("no on an Xvfb display, even with a GPU in the machine (headless-gl only says ANGLE)", () => {
    expect(judgeGpu({ ...onLinuxGl, xvfb: true })).toMatchObject({
      hardware: false,
      why: expect.stringContaining("Xvfb") as unknown,
    });
  });

  it("no on Linux without a GPU device node", () => {
    expect(judgeGpu({ ...onLinuxGl, gpuDevice: false }).hardware).toBe(false);
  });

  it("yes for a GL mode on a hardware renderer", () => {
    expect(judgeGpu({ ...onLinuxGl, renderer: "NVIDIA GeForce RTX 4090/PCIe/SSE2" }).hardware).toBe(true);
    expect(judgeGpu({ ...onLinuxGl, platform: "darwin", gpuDevice: false, renderer: "Apple M2" }).hardware).toBe(true);
  });

  it("this machine without an X display: no, decided without loading gpu.js", () => {
    const display = process.env.DISPLAY;
    delete process.env.DISPLAY;
    try {
      expect(probeGpu().hardware).toBe(false);
      if (process.platform === "linux") expect(gpujsLoaded()).toBe(false);
    } finally {
      if (display !== undefined) process.env.DISPLAY = display;
    }
  });
});

describe("automatic backend order", () => {
  afterAll(() => setBackend("reference"));

  it("puts wasm above gpujs where gpu.js finds no graphics hardware", () => {
    const order = selectionOrder();
    expect(order.indexOf("wasm")).toBeLessThan(order.indexOf("gpujs"));
  });

  it("asks a backend's rank once, at selection rather than registration, and orders by it", () => {
    let asked = 0;
    registerBackend({
      name: "probed",
      priority: -5,
      rank: () => {
        asked++;
        return 1000;
      },
      create: () => new ReferenceBackend(),
    });
    expect(asked).toBe(0);
    expect(selectionOrder()[0]).toBe("probed");
    setBackend("auto");
    expect(asked).toBe(1);
  });
});
