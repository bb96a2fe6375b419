import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Pool2DGeometry } from "../../runtime/backend/backend";
import { ReferenceBackend } from "../../runtime/backend/reference";
import { WasmBackend, type WasmTensor } from "../../runtime/backend/wasm/backend";
import { POOL_PARALLEL_MIN_WORK, poolWork } from "../../runtime/backend/wasm/conv";
import { ThreadPool } from "../../runtime/backend/wasm/threads";
import { buildWasmKernels, randomValues, worstError } from "./kernels_build";

/** Pooling geometry as Keras computes it: "valid" keeps whole windows, "same" pads to ceil(in / stride). */
function poolGeometry(
  batch: number,
  inH: number,
  inW: number,
  ch: number,
  window: number,
  stride: number,
  padding: "valid" | "same",
): Pool2DGeometry {
  const out = (n: number): number =>
    padding === "same" ? Math.ceil(n / stride) : Math.floor((n - window) / stride) + 1;
  const before = (n: number): number =>
    padding === "same" ? Math.floor(Math.max((out(n) - 1) * stride + window - n, 0) / 2) : 0;
  return {
    batch,
    inHeight: inH,
    inWidth: inW,
    channels: ch,
    outHeight: out(inH),
    outWidth: out(inW),
    windowHeight: window,
    windowWidth: window,
    strideHeight: stride,
    strideWidth: stride,
    padTop: before(inH),
    padLeft: before(inW),
  };
}

// Odd image sizes, channel counts that leave a tail past the 4-lane SIMD loop, and batches that 2 and 3
// threads do not divide; each is above the split threshold (asserted below).
const cases: [string, Pool2DGeometry][] = [
  ["2x2 stride 2 valid (non-overlapping), odd sizes", poolGeometry(7, 27, 25, 67, 2, 2, "valid")],
  ["2x2 stride 2 same (partial windows at the bottom and right)", poolGeometry(11, 27, 25, 38, 2, 2, "same")],
  ["3x3 stride 2 valid (overlapping)", poolGeometry(7, 27, 25, 35, 3, 2, "valid")],
  ["3x3 stride 2 same (overlapping, padded on every side)", poolGeometry(5, 27, 25, 37, 3, 2, "same")],
  ["3x3 stride 1 same (each input in up to nine windows)", poolGeometry(5, 13, 11, 41, 3, 1, "same")],
];

type Results = Record<"max" | "avg" | "maxGrad" | "avgGrad", Float32Array>;

function runAll(be: WasmBackend, g: Pool2DGeometry, x: Float64Array, dy: Float64Array): Results {
  const xs = g.batch * g.inHeight * g.inWidth * g.channels;
  const ys = g.batch * g.outHeight * g.outWidth * g.channels;
  const xw = be.upload(x, "float32");
  const dyw = be.upload(dy, "float32");
  const take = (h: WasmTensor, size: number): Float32Array => {
    const values = Float32Array.from(be.read(h, size, "float32") as Float32Array);
    be.dispose(h);
    return values;
  };
  const r = {
    max: take(be.pool2d("max", xw, g), ys),
    avg: take(be.pool2d("avg", xw, g), ys),
    maxGrad: take(be.maxPool2dBackward(dyw, xw, g), xs),
    avgGrad: take(be.avgPool2dBackward(dyw, g), xs),
  };
  be.dispose(xw);
  be.dispose(dyw);
  return r;
}

/** Where two float32 arrays first differ in their bits (so -0 and NaN payloads count), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

describe("wasm pooling split across threads", () => {
  const backends = new Map<number, WasmBackend>();
  const ref = new ReferenceBackend();
  beforeAll(() => {
    buildWasmKernels();
    for (const t of [1, 2, 3]) backends.set(t, new WasmBackend(t));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  for (const [name, g] of cases) {
    it(`gives the same bits on 1, 2 and 3 threads, forward and backward, max and average: ${name}`, () => {
      expect(poolWork(g)).toBeGreaterThanOrEqual(POOL_PARALLEL_MIN_WORK);
      const xs = g.batch * g.inHeight * g.inWidth * g.channels;
      const ys = g.batch * g.outHeight * g.outWidth * g.channels;
      const x = randomValues(xs, 11);
      // Ties within windows: the gradient must go to the first maximum whichever thread runs the image.
      for (let i = 0; i < xs; i += 7) x[i] = 0.25;
      const dy = randomValues(ys, 12);

      const run = vi.spyOn(ThreadPool.prototype, "run");
      const one = runAll(backends.get(1)!, g, x, dy);
      expect(run).not.toHaveBeenCalled();
      for (const t of [2, 3]) {
        run.mockClear();
        const got = runAll(backends.get(t)!, g, x, dy);
        // Each of the four kernels went through the thread pool: the split path really ran.
        expect(run.mock.calls.map((c) => c[0])).toEqual([
          "maxPool2dForward",
          "avgPool2dForward",
          "maxPool2dBackward",
          "avgPool2dBackward",
        ]);
        for (const key of ["max", "avg", "maxGrad", "avgGrad"] as const) {
          expect(firstDifference(got[key], one[key]), `${key} on ${t} threads`).toBe(-1);
        }
      }

      // And the shared result is right (against the float64 reference, within float32 rounding).
      const xr = ref.upload(x, "float32");
      const dyr = ref.upload(dy, "float32");
      const tol = 1e-6;
      expect(worstError(one.max, ref.readFloat64(ref.pool2d("max", xr, g), ys), tol)).toBeLessThan(1);
      expect(worstError(one.avg, ref.readFloat64(ref.pool2d("avg", xr, g), ys), tol)).toBeLessThan(1);
      expect(worstError(one.maxGrad, ref.readFloat64(ref.maxPool2dBackward(dyr, xr, g), xs), tol)).toBeLessThan(1);
      expect(worstError(one.avgGrad, ref.readFloat64(ref.avgPool2dBackward(dyr, g), xs), tol)).toBeLessThan(1);
    });
  }

  it("keeps pooling below the threshold on the calling thread", () => {
    const g = poolGeometry(2, 9, 9, 5, 2, 2, "valid");
    expect(poolWork(g)).toBeLessThan(POOL_PARALLEL_MIN_WORK);
    const run = vi.spyOn(ThreadPool.prototype, "run");
    const x = randomValues(2 * 9 * 9 * 5, 13);
    const dy = randomValues(2 * 4 * 4 * 5, 14);
    const two = runAll(backends.get(2)!, g, x, dy);
    expect(run).not.toHaveBeenCalled();
    const one = runAll(backends.get(1)!, g, x, dy);
    for (const key of ["max", "avg", "maxGrad", "avgGrad"] as const)
      expect(firstDifference(two[key], one[key])).toBe(-1);
  });
});
