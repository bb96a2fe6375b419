/**
 * Batched matrix product with optional transposes. A thread computes one
 * output element out[b, i, j] as a dot product over k; transposes and a
 * broadcast batch of 1 only change the strides baked into the source, so no
 * operand is ever copied into another layout.
 */
import { dotProduct, kernel, linear, unravel, type KernelSpec } from "./source";

/** Sizes of one batched matmul, as the backend interface passes them. */
export interface MatmulShapes {
  aShape: readonly [number, number, number];
  bShape: readonly [number, number, number];
  transA: boolean;
  transB: boolean;
  batch: number;
}

/** out[b] = op(A[b]) @ op(B[b]) as a flat [batch, m, n] output. */
export function matmulSpec({ aShape, bShape, transA, transB, batch }: MatmulShapes): KernelSpec {
  const [aBatch, aRows, aCols] = aShape;
  const [bBatch, bRows, bCols] = bShape;
  const m = transA ? aCols : aRows;
  const k = transA ? aRows : aCols;
  const n = transB ? bRows : bCols;
  // Element (i, p) of op(A) is a[aBase + i * aRow + p * aCol]; (p, j) of op(B) is b[bBase + p * bRow + j * bCol].
  const aRow = transA ? 1 : aCols;
  const aCol = transA ? aCols : 1;
  const bRow = transB ? 1 : bCols;
  const bCol = transB ? bCols : 1;
  const aBatchStride = aBatch === 1 ? 0 : aRows * aCols;
  const bBatchStride = bBatch === 1 ? 0 : bRows * bCols;
  const body = [
    ...unravel("this.thread.x", [batch, m, n], "o"),
    `const aBase = ${linear([
      ["o0", aBatchStride],
      ["o1", aRow],
    ])};`,
    `const bBase = ${linear([
      ["o0", bBatchStride],
      ["o2", bCol],
    ])};`,
    "let acc = 0.0;",
    ...dotProduct(
      "acc",
      "p",
      k,
      (i) =>
        `a[${linear(
          [
            ["aBase", 1],
            ["p", aCol],
          ],
          i * aCol,
        )}] * b[${linear(
          [
            ["bBase", 1],
            ["p", bRow],
          ],
          i * bRow,
        )}]`,
    ),
    "return acc;",
  ];
  return { source: kernel(["a", "b"], body), outSize: batch * m * n };
}
