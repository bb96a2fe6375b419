import { afterAll, describe, expect, it } from "vitest";
import { GpuJsBackend, type GpuJsMode } from "../../runtime/backend/gpujs/backend";
import { setBackend } from "../../runtime/backend/registry";
import { nn } from "../../runtime/nn";
import { CPU_MODES, gpujsBackendName } from "./modes";

afterAll(() => {
  setBackend("reference");
});

describe("gpujs backend", () => {
  it("runs in the mode gpu.js picks by default (webasm on a machine without a GPU stack)", () => {
    const info = new GpuJsBackend().info();
    expect(info.name).toBe("gpujs");
    expect(["webasm", "headlessgl", "webgl2", "webgl"]).toContain(info.mode);
  });

  it("rejects an unknown mode and names the modes it accepts", () => {
    expect(() => new GpuJsBackend({ mode: "quantum" as GpuJsMode })).toThrow(
      /unknown mode "quantum"; use one of gpu, headlessgl, webgl2, webgl, webasm, cpu/,
    );
  });

  it.each(CPU_MODES)("is what nn.backend() reports once chosen, with gpu.js's mode (%s)", (mode) => {
    setBackend(gpujsBackendName(mode));
    expect(nn.backend()).toMatchObject({ name: "gpujs", mode });
  });

  it.each(CPU_MODES)("compiles a kernel once per shape and reuses it (%s)", (mode) => {
    const b = new GpuJsBackend({ mode });
    const a = b.upload(new Float32Array([1, 2, 3, 4, 5, 6]), "float32");
    const c = b.upload(new Float32Array([10, 20, 30]), "float32");
    const first = b.binary("add", a, [2, 3], c, [3], [2, 3]);
    const compiled = b.compiledKernels;
    const second = b.binary("add", a, [2, 3], c, [3], [2, 3]);
    expect(b.compiledKernels).toBe(compiled);
    expect(Array.from(b.read(second, 6, "float32"))).toEqual([11, 22, 33, 14, 25, 36]);
    b.binary("add", a, [3, 2], a, [3, 2], [3, 2]);
    expect(b.compiledKernels).toBe(compiled + 1);
    [a, c, first, second].forEach((h) => b.dispose(h));
  });

  it.each(CPU_MODES)(
    "runs one kernel on storages of different lengths, as a slice's longer storage gives it (%s)",
    (mode) => {
      const b = new GpuJsBackend({ mode });
      const long = b.upload(new Float32Array([1, 2, 3, 4, 5, 6]), "float32");
      const short = b.upload(new Float32Array([7, 8]), "float32");
      const fromLong = b.cast(long, 2, "float32", "float32");
      const fromShort = b.cast(short, 2, "float32", "float32");
      expect(Array.from(b.read(fromLong, 2, "float32"))).toEqual([1, 2]);
      expect(Array.from(b.read(fromShort, 2, "float32"))).toEqual([7, 8]);
      [long, short, fromLong, fromShort].forEach((h) => b.dispose(h));
    },
  );

  it.each(CPU_MODES)("returns fresh storage per call that later calls do not overwrite (%s)", (mode) => {
    const b = new GpuJsBackend({ mode });
    const x = b.upload(new Float32Array([1, -2, 3]), "float32");
    const y = b.upload(new Float32Array([-4, 5, -6]), "float32");
    const rx = b.unary("relu", x, 3);
    const ry = b.unary("relu", y, 3);
    expect(Array.from(b.read(rx, 3, "float32"))).toEqual([1, 0, 3]);
    expect(Array.from(b.read(ry, 3, "float32"))).toEqual([0, 5, 0]);
  });

  it.each(CPU_MODES)("widens bytes on upload: 0..255 as float32 and as int32 (%s)", (mode) => {
    const b = new GpuJsBackend({ mode });
    const bytes = new Uint8Array([0, 1, 127, 128, 255]);
    const f = b.upload(bytes, "float32");
    const n = b.upload(bytes, "int32");
    expect(Array.from(b.read(f, 5, "float32"))).toEqual([0, 1, 127, 128, 255]);
    expect(Array.from(b.read(n, 5, "int32"))).toEqual([0, 1, 127, 128, 255]);
    [f, n].forEach((h) => b.dispose(h));
  });

  it.each(CPU_MODES)("keeps int32 data exact up to 2^24 in magnitude (%s)", (mode) => {
    const b = new GpuJsBackend({ mode });
    const values = new Int32Array([0, -1, 7, 16777216, -16777216]);
    const h = b.upload(values, "int32");
    const copied = b.strided(h, "int32", { shape: [5], strides: [1], offset: 0 });
    expect(Array.from(b.read(copied, 5, "int32"))).toEqual(Array.from(values));
  });

  it.each(CPU_MODES)("handles empty tensors without launching a kernel (%s)", (mode) => {
    const b = new GpuJsBackend({ mode });
    const empty = b.upload(new Float32Array(0), "float32");
    expect(b.read(b.unary("exp", empty, 0), 0, "float32")).toHaveLength(0);
    // An empty reduced axis gives the identity, filled without a kernel; k = 0 in matmul gives zeros (one kernel).
    expect(Array.from(b.read(b.reduce("max", empty, [3, 0], [1]), 3, "float32"))).toEqual([
      -Infinity,
      -Infinity,
      -Infinity,
    ]);
    expect(Array.from(b.read(b.matmul(empty, [1, 2, 0], empty, [1, 0, 2], false, false, 1), 4, "float32"))).toEqual([
      0, 0, 0, 0,
    ]);
    expect(b.compiledKernels).toBe(1);
  });

  it.each(CPU_MODES)("refuses storage that was disposed (%s)", (mode) => {
    const b = new GpuJsBackend({ mode });
    const h = b.upload(new Float32Array([1]), "float32");
    b.dispose(h);
    expect(() => b.unary("exp", h, 1)).toThrow(/used after dispose/);
  });

  describe("tensors above 2^24 elements", () => {
    // 4097 x 4096 = 16,781,312 elements: just past 2^24, where float32 stops holding every integer.
    const rows = 4097;
    const cols = 4096;
    const big = new Float32Array(rows * cols).map((_, i) => i % 4099);

    it("stay exact in elementwise ops and contiguous slices, whose indices gpu.js keeps integral (webasm)", () => {
      const b = new GpuJsBackend({ mode: "webasm" });
      const x = b.upload(big, "float32");
      const negated = b.read(b.unary("neg", x, big.length), big.length, "float32");
      expect(negated[big.length - 1]).toBe(-big[big.length - 1]);
      const lastRows = b.read(
        b.strided(x, "float32", { shape: [2, cols], strides: [cols, 1], offset: (rows - 2) * cols }),
        2 * cols,
        "float32",
      );
      expect(Array.from(lastRows.subarray(-3))).toEqual(Array.from(big.subarray(-3)));
      b.destroy();
    });

    it("give up their rows exactly to gather, which reads them as a matrix (webasm)", () => {
      const b = new GpuJsBackend({ mode: "webasm" });
      const x = b.upload(big, "float32");
      const indices = b.upload(new Int32Array([rows - 1, 0]), "int32");
      const gathered = b.read(b.gather(x, [rows, cols], "float32", indices, 2, 0), 2 * cols, "float32");
      expect(Array.from(gathered.subarray(0, cols))).toEqual(Array.from(big.subarray((rows - 1) * cols)));
      expect(Array.from(gathered.subarray(cols))).toEqual(Array.from(big.subarray(0, cols)));
      b.destroy();
    });

    it("are refused, naming the limit, by kernels that compute indices in float32 (webasm)", () => {
      const b = new GpuJsBackend({ mode: "webasm" });
      const x = b.upload(big, "float32");
      expect(() => b.strided(x, "float32", { shape: [cols, rows], strides: [1, cols], offset: 0 })).toThrow(
        /strided would index a tensor of 16781312 elements, but gpu.js's webasm mode computes indices in float32, exact only up to 16777216/,
      );
      b.destroy();
    });

    it("are transposed exactly in cpu mode, which indexes in JavaScript doubles", () => {
      const b = new GpuJsBackend({ mode: "cpu" });
      const x = b.upload(big, "float32");
      const t = b.read(
        b.strided(x, "float32", { shape: [cols, rows], strides: [1, cols], offset: 0 }),
        big.length,
        "float32",
      );
      // Element (c, r) of the transpose is big[r * cols + c]; check the far corner.
      expect(t[(cols - 1) * rows + (rows - 1)]).toBe(big[(rows - 1) * cols + (cols - 1)]);
      b.destroy();
    });
  });
});
