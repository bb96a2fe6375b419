import { beforeAll, describe, expect, it } from "vitest";
import { gemm, PARALLEL_MIN_MACS } from "../../runtime/backend/wasm/gemm";
import { relaxedSimdAccepted, WasmKernels } from "../../runtime/backend/wasm/kernels";
import { buildWasmKernels, randomValues } from "./kernels_build";

// float32 accumulation over k terms of magnitude <= 1: a few ulps per term.
const TOLERANCE = 2e-6;

function naive(
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  b: Float64Array,
  beta: number,
  c: Float64Array,
): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let abs = 0;
      for (let p = 0; p < k; p++) {
        const t = (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
        s += t;
        abs += Math.abs(t);
      }
      value[i * n + j] = alpha * s + beta * c[i * n + j];
      scale[i * n + j] = Math.abs(alpha) * abs + Math.abs(beta * c[i * n + j]) + 1;
    }
  }
  return { value, scale };
}

function runCase(
  kernels: WasmKernels,
  m: number,
  n: number,
  k: number,
  tA: boolean,
  tB: boolean,
  alpha: number,
  beta: number,
): number {
  const h = kernels.heap;
  const a = randomValues(m * k, m * 7 + k);
  const b = randomValues(k * n, n * 13 + k);
  const c = randomValues(m * n, m + n);
  const A = h.alloc(m * k * 4);
  const B = h.alloc(k * n * 4);
  const C = h.alloc(m * n * 4);
  h.f32.set(a, A.ptr >> 2);
  h.f32.set(b, B.ptr >> 2);
  h.f32.set(c, C.ptr >> 2);
  gemm(kernels, {
    transA: tA,
    transB: tB,
    m,
    n,
    k,
    alpha,
    a: A.ptr,
    lda: tA ? m : k,
    b: B.ptr,
    ldb: tB ? k : n,
    beta,
    c: C.ptr,
    ldc: n,
  });
  const want = naive(tA, tB, m, n, k, alpha, a, b, beta, c);
  let worst = 0;
  for (let i = 0; i < m * n; i++) {
    worst = Math.max(worst, Math.abs(h.f32[(C.ptr >> 2) + i] - want.value[i]) / want.scale[i]);
  }
  [A, B, C].forEach((blk) => h.release(blk));
  return worst;
}

beforeAll(buildWasmKernels);

it("this Node accepts the relaxed-SIMD build (V8 flag set at run time where needed)", () => {
  expect(relaxedSimdAccepted()).toBe(true);
  expect(new WasmKernels(1).simd).toBe("relaxed");
});

// Both builds: relaxed SIMD (fused multiply-add, the default here) and the plain-SIMD fallback.
describe.each(["relaxed", "plain"] as const)("wasm GEMM C = alpha * op(A) op(B) + beta * C, %s SIMD", (simd) => {
  let single: WasmKernels;
  let dual: WasmKernels;
  beforeAll(() => {
    single = new WasmKernels(1, { simd });
    dual = new WasmKernels(2, { simd });
  });

  const sizes = [1, 3, 17, 63, 65, 129];
  for (const [tA, tB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    it(`matches a float64 product on odd sizes with transA=${tA} transB=${tB}`, () => {
      for (const m of sizes) {
        for (const n of [1, 9, 65]) {
          for (const k of [1, 17, 129])
            expect(runCase(single, m, n, k, tA, tB, 1, 0), `${m}x${n}x${k}`).toBeLessThan(TOLERANCE);
        }
      }
    });
  }

  it("scales by alpha and accumulates beta * C", () => {
    expect(runCase(single, 65, 33, 17, false, false, 0.5, 0.75)).toBeLessThan(TOLERANCE);
    expect(runCase(single, 17, 63, 129, true, true, -2, 1)).toBeLessThan(TOLERANCE);
  });

  it("beta = 0 overwrites C even where C held NaN", () => {
    const h = single.heap;
    const A = h.alloc(4 * 4);
    const C = h.alloc(4 * 4);
    h.f32.fill(1, A.ptr >> 2, (A.ptr >> 2) + 4);
    h.f32.fill(NaN, C.ptr >> 2, (C.ptr >> 2) + 4);
    gemm(single, {
      transA: false,
      transB: false,
      m: 2,
      n: 2,
      k: 1,
      alpha: 1,
      a: A.ptr,
      lda: 1,
      b: A.ptr,
      ldb: 2,
      beta: 0,
      c: C.ptr,
      ldc: 2,
    });
    expect(Array.from(h.f32.subarray(C.ptr >> 2, (C.ptr >> 2) + 4))).toEqual([1, 1, 1, 1]);
  });

  it("gives the same results split across two threads, by rows and by columns", () => {
    // Each product is big enough to be split (and the last one into four tasks a thread).
    expect(70 * 300 * 260).toBeGreaterThanOrEqual(PARALLEL_MIN_MACS);
    expect(runCase(dual, 300, 70, 260, false, false, 1, 0)).toBeLessThan(TOLERANCE);
    expect(runCase(dual, 70, 300, 260, false, true, 1, 0.5)).toBeLessThan(TOLERANCE);
    expect(runCase(dual, 513, 129, 300, true, false, 1, 0)).toBeLessThan(TOLERANCE);
  });

  it("a batch of small products split one product per task gives the single-thread result exactly", () => {
    const [batch, m, n, k] = [8, 90, 80, 84];
    expect(batch * m * n * k).toBeGreaterThanOrEqual(PARALLEL_MIN_MACS);
    const results = [single, dual].map((kernels) => {
      const h = kernels.heap;
      const A = h.alloc(batch * m * k * 4);
      const B = h.alloc(k * n * 4);
      const C = h.alloc(batch * m * n * 4);
      h.f32.set(randomValues(batch * m * k, 1), A.ptr >> 2);
      h.f32.set(randomValues(k * n, 2), B.ptr >> 2);
      gemm(kernels, {
        transA: false,
        transB: false,
        m,
        n,
        k,
        alpha: 1,
        a: A.ptr,
        lda: k,
        b: B.ptr,
        ldb: n,
        beta: 0,
        c: C.ptr,
        ldc: n,
        batch,
        strideA: m * k,
        strideB: 0,
        strideC: m * n,
      });
      return h.f32.slice(C.ptr >> 2, (C.ptr >> 2) + batch * m * n);
    });
    expect(results[1]).toEqual(results[0]);
  });

  it("k = 0 leaves beta * C", () => {
    expect(runCase(single, 5, 7, 0, false, false, 1, 0.5)).toBeLessThan(TOLERANCE);
  });
});
