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

/**
 * Below this many multiply-adds one thread runs the product: in a training step a hand-off to a
 * worker cost more than it saved up to a few million (the bench's Transformer, products of 0.8-1.6M,
 * trained 1.5x faster on two threads with this at 2^22 than at 2^17; decisions.md 53).
 */
export const PARALLEL_MIN_MACS = 1 << 22;
/** Below this many, one task per thread: each task packs its own panel of the other operand. */
const FEW_TASKS_MACS = 1 << 24;
const MR = 4;
const NR = 8;

export function gemm(kernels: WasmKernels, g: GemmArgs): void {
  const batch = g.batch ?? 1;
  const sA = g.strideA ?? 0;
  const sB = g.strideB ?? 0;
  const sC = g.strideC ?? 0;
  const T = kernels.threads;
  const operands = [+g.transA, +g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc];
  if (T === 1 || batch * g.m * g.n * g.k < PARALLEL_MIN_MACS) {
    kernels.exports.gemm(batch, sA, sB, sC, ...operands, kernels.scratch[0].ptr);
    return;
  }
  // Many small products: one task per product. Otherwise about four tasks per thread along the longer
  // of m and n, so a slow thread delays little, or one per thread for a smaller product, where packing
  // the other operand again for every task would cost more than an uneven finish.
  const macs = batch * g.m * g.n * g.k;
  const byBatch = batch >= T && g.m * g.n * g.k < PARALLEL_MIN_MACS;
  const splitRows = byBatch || g.m >= g.n;
  const dim = splitRows ? g.m : g.n;
  const unit = splitRows ? MR : NR;
  const tasksPerThread = macs < FEW_TASKS_MACS ? 1 : 4;
  const taskSize = byBatch ? dim : Math.max(unit * 4, Math.ceil(dim / (tasksPerThread * T * unit)) * unit);
  kernels.parallelTasks("gemmTasks", T, (t) => [
    kernels.counter.ptr,
    +splitRows,
    taskSize,
    batch,
    sA,
    sB,
    sC,
    ...operands,
    kernels.scratch[t].ptr,
  ]);
}
