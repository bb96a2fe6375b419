import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";

// Node's module cache, where `require("gpu.js")` leaves its files.
const nodeRequire = createRequire(import.meta.url);
const gpujsLoaded = (): boolean =>
  Object.keys(nodeRequire.cache).some((file) => file.includes("/node_modules/gpu.js/"));

const savedMode = process.env.NNLAB_GPUJS_MODE;
afterAll(() => {
  if (savedMode === undefined) delete process.env.NNLAB_GPUJS_MODE;
  else process.env.NNLAB_GPUJS_MODE = savedMode;
});

describe("gpujs backend registration", () => {
  it('registers as "gpujs" without loading gpu.js', async () => {
    const registry = await import("../../runtime/backend/registry");
    await import("../../runtime/backend/gpujs/register");
    expect(registry.listBackends()).toContain("gpujs");
    expect(gpujsLoaded()).toBe(false);
  });

  it("loads gpu.js when the backend is created, in the mode NNLAB_GPUJS_MODE forces", async () => {
    process.env.NNLAB_GPUJS_MODE = "cpu";
    const registry = await import("../../runtime/backend/registry");
    const info = registry.getBackend("gpujs").info();
    expect(gpujsLoaded()).toBe(true);
    expect(info).toEqual({ name: "gpujs", mode: "cpu", threads: 1, simd: false });
  });
});
