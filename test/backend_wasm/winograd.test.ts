import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Conv2DGeometry } from "../../runtime/backend/backend";
import { ReferenceBackend } from "../../runtime/backend/reference";
import { WasmBackend } from "../../runtime/backend/wasm/backend";
import { WasmKernels } from "../../runtime/backend/wasm/kernels";
import { buildWasmKernels, convGeometry, randomValues } from "./kernels_build";

// Largest |wasm - float64 reference| over the largest |reference| of a pass. Measured: 1.4e-7 .. 4.8e-7 for
// Winograd (the im2col GEMM 0.9e-7 .. 7.6e-7) on the shapes below; F(2x2, 3x3) in float32 stays near 1e-6.
const WINOGRAD_TOL = 2e-6;

const ref = new ReferenceBackend();
let one: WasmBackend;
let two: WasmBackend;

function geometry(batch: number, inH: number, inW: number, inC: number, outC: number, pad: number): Conv2DGeometry {
  return convGeometry(batch, inH, inW, inC, outC, 3, 3, 1, pad);
}

type Pass = "forward" | "input gradient" | "filter gradient";

/** A pass on `backend` and on the reference: [wasm values, float64 values]. */
function run(backend: WasmBackend, g: Conv2DGeometry, pass: Pass): [Float32Array, Float64Array] {
  const xSize = g.batch * g.inHeight * g.inWidth * g.inChannels;
  const ySize = g.batch * g.outHeight * g.outWidth * g.outChannels;
  const xs = randomValues(xSize, 1);
  const ws = randomValues(9 * g.inChannels * g.outChannels, 2);
  const dys = randomValues(ySize, 3);
  const w = backend.upload(ws, "float32");
  const wr = ref.upload(ws, "float32");
  if (pass === "forward") {
    const x = backend.upload(xs, "float32");
    const y = backend.conv2d(x, w, g);
    const got = backend.read(y, ySize, "float32") as Float32Array;
    [x, w, y].forEach((t) => backend.dispose(t));
    return [got, ref.readFloat64(ref.conv2d(ref.upload(xs, "float32"), wr, g), ySize)];
  }
  const dy = backend.upload(dys, "float32");
  if (pass === "filter gradient") {
    const x = backend.upload(xs, "float32");
    const wSize = 9 * g.inChannels * g.outChannels;
    const dw = backend.conv2dBackpropFilter(x, dy, g);
    const got = backend.read(dw, wSize, "float32") as Float32Array;
    [x, w, dy, dw].forEach((t) => backend.dispose(t));
    const want = ref.conv2dBackpropFilter(ref.upload(xs, "float32"), ref.upload(dys, "float32"), g);
    return [got, ref.readFloat64(want, wSize)];
  }
  const dx = backend.conv2dBackpropInput(dy, w, g);
  const got = backend.read(dx, xSize, "float32") as Float32Array;
  [dy, w, dx].forEach((t) => backend.dispose(t));
  return [got, ref.readFloat64(ref.conv2dBackpropInput(ref.upload(dys, "float32"), wr, g), xSize)];
}

/** Largest error over largest value (the error relative to the size of the values). */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let size = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= err)) err = Number.isNaN(e) ? Infinity : e;
    size = Math.max(size, Math.abs(want[i]));
  }
  return err / size;
}

/** Names of the task kernels `body` runs. */
function kernelsRun(body: () => void): string[] {
  const spy = vi.spyOn(WasmKernels.prototype, "parallelTasks");
  try {
    body();
    return spy.mock.calls.map((call) => call[0]);
  } finally {
    spy.mockRestore();
  }
}

describe("wasm Winograd F(2x2, 3x3) convolution (opt-in)", () => {
  beforeAll(() => {
    // The suite sets the switch itself (and the default-off test needs it unset).
    delete process.env.NNLAB_WASM_WINOGRAD;
    buildWasmKernels();
    one = new WasmBackend(1, { winograd: "all" });
    two = new WasmBackend(2, { winograd: "all" });
  });

  afterEach(() => {
    delete process.env.NNLAB_WASM_WINOGRAD;
  });

  const cases: [string, Conv2DGeometry][] = [
    ["the lecture CNN's second layer (13x13x32 -> 64, 11x11 out: partial edge tiles)", geometry(4, 13, 13, 32, 64, 0)],
    ["the lecture CNN's first layer (28x28x1 -> 32, 26x26 out)", geometry(4, 28, 28, 1, 32, 0)],
    ["same padding, odd height and even width, 5 -> 7 channels", geometry(2, 9, 8, 5, 7, 1)],
    ["batch 1, 9 -> 13 channels (not multiples of 4 or 8), 10x10 out", geometry(1, 12, 12, 9, 13, 0)],
    ["a 1x1 output (one partial tile)", geometry(1, 3, 3, 2, 3, 0)],
    ["same padding on a 2x5 image, 6 -> 10 channels", geometry(3, 2, 5, 6, 10, 1)],
  ];
  for (const [name, g] of cases) {
    for (const pass of ["forward", "input gradient", "filter gradient"] as const) {
      it(`${pass}: matches the float64 reference and is the same on 1 and 2 threads, for ${name}`, () => {
        let got1: Float32Array = new Float32Array();
        let want: Float64Array = new Float64Array();
        const ran = kernelsRun(() => ([got1, want] = run(one, g, pass)));
        expect(ran).toContain(pass === "filter gradient" ? "winogradBackpropFilter" : "winogradForward");
        expect(relativeError(got1, want)).toBeLessThan(WINOGRAD_TOL);
        const [got2] = run(two, g, pass);
        expect(Array.from(got2)).toEqual(Array.from(got1));
      });
    }
  }

  it("rounds differently from the im2col GEMM (so it is off by default)", () => {
    const g = geometry(4, 13, 13, 32, 64, 0);
    const [wino] = run(one, g, "forward");
    const [im2col] = run(new WasmBackend(1), g, "forward");
    expect(Array.from(wino)).not.toEqual(Array.from(im2col));
    expect(relativeError(wino, im2col)).toBeLessThan(WINOGRAD_TOL);
  });

  it("is off unless asked for: the im2col kernels run, the existing path", () => {
    const off = new WasmBackend(1);
    expect(off.winograd).toBe(false);
    const g = geometry(4, 13, 13, 32, 64, 0);
    const ran = kernelsRun(() => {
      run(off, g, "forward");
      run(off, g, "input gradient");
      run(off, g, "filter gradient");
    });
    expect(ran).toEqual(["conv2dForward", "conv2dBackpropInput", "conv2dBackpropFilter"]);
  });

  it("routes, when on, only 3x3 stride-1 convolutions with 8 or more channels each way", () => {
    const on = new WasmBackend(1, { winograd: true });
    const passes = (g: Conv2DGeometry): string[] =>
      kernelsRun(() => {
        run(on, g, "forward");
        run(on, g, "input gradient");
        run(on, g, "filter gradient");
      });
    const im2col = ["conv2dForward", "conv2dBackpropInput", "conv2dBackpropFilter"];
    expect(passes(geometry(2, 13, 13, 32, 64, 0))).toEqual([
      "winogradForward",
      "winogradForward",
      "winogradBackpropFilter",
    ]);
    expect(passes(geometry(2, 28, 28, 1, 32, 0))).toEqual(im2col);
    const strided = { ...geometry(2, 13, 13, 16, 16, 0), strideHeight: 2, strideWidth: 2, outHeight: 6, outWidth: 6 };
    expect(passes(strided)).toEqual(im2col);
  });

  it("reads NNLAB_WASM_WINOGRAD once, at construction: 1 on, 0 or unset off, anything else an error", () => {
    process.env.NNLAB_WASM_WINOGRAD = "1";
    const on = new WasmBackend(1);
    process.env.NNLAB_WASM_WINOGRAD = "0";
    expect(on.winograd).toBe(true);
    expect(new WasmBackend(1).winograd).toBe(false);
    expect(new WasmBackend(1, { winograd: true }).winograd).toBe(true);
    process.env.NNLAB_WASM_WINOGRAD = "yes";
    expect(() => new WasmBackend(1)).toThrow('NNLAB_WASM_WINOGRAD must be "0" or "1", got "yes"');
  });
});
