/**
 * f32 GEMM on the wasm kernels, split across the thread pool:
 * C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b], row-major, pointers are
 * byte offsets into the shared memory, leading dimensions and batch strides
 * in elements.
 */
import type { WasmKernels } from "./kernels";

export interface GemmArgs {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  a: number;
  lda: number;
  b: number;
  ldb: number;
  beta: number;
  c: number;
  ldc: number;
  batch?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
}

/** Below this many multiply-adds a thread hand-off costs more than it saves. */
const PARALLEL_MIN_MACS = 1 << 17;
const MR = 4;
const NR = 8;

export function gemm(kernels: WasmKernels, g: GemmArgs): void {
  const batch = g.batch ?? 1;
  const sA = g.strideA ?? 0;
  const sB = g.strideB ?? 0;
  const sC = g.strideC ?? 0;
  const T = kernels.threads;
  const macs = batch * g.m * g.n * g.k;
  const call = (bs: number, b0: number, m0: number, m1: number, n0: number, n1: number, t: number): number[] => {
    const aOff = (b0 * sA + (g.transA ? m0 : m0 * g.lda)) * 4;
    const bOff = (b0 * sB + (g.transB ? n0 * g.ldb : n0)) * 4;
    const cOff = (b0 * sC + m0 * g.ldc + n0) * 4;
    return [bs, sA, sB, sC, +g.transA, +g.transB, m1 - m0, n1 - n0, g.k, g.alpha,
      g.a + aOff, g.lda, g.b + bOff, g.ldb, g.beta, g.c + cOff, g.ldc, kernels.scratch[t].ptr];
  };
  if (T === 1 || macs < PARALLEL_MIN_MACS) {
    (kernels.exports.gemm)(...call(batch, 0, 0, g.m, 0, g.n, 0));
    return;
  }
  if (batch >= T && g.m * g.n * g.k < PARALLEL_MIN_MACS * 8) {
    kernels.parallel("gemm", (t) => {
      const [b0, b1] = share(batch, T, t, 1);
      return call(b1 - b0, b0, 0, g.m, 0, g.n, t);
    });
  } else if (g.m >= g.n) {
    kernels.parallel("gemm", (t) => {
      const [m0, m1] = share(g.m, T, t, MR);
      return call(batch, 0, m0, m1, 0, g.n, t);
    });
  } else {
    kernels.parallel("gemm", (t) => {
      const [n0, n1] = share(g.n, T, t, NR);
      return call(batch, 0, 0, g.m, n0, n1, t);
    });
  }
}

/** Thread t's range of [0, total) in T near-equal parts whose bounds are multiples of `unit`. */
export function share(total: number, T: number, t: number, unit: number): [number, number] {
  const units = Math.ceil(total / unit);
  const lo = Math.min(total, Math.round((units * t) / T) * unit);
  const hi = Math.min(total, Math.round((units * (t + 1)) / T) * unit);
  return [lo, hi];
}
