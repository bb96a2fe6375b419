// Single-threaded blocked f32 GEMM over packed panels (the Goto/BLIS scheme).
// The JS side splits work across threads by handing each thread a sub-matrix
// and its own packing scratch (see gemmScratchFloats).

// Micro-tile 4x8: 8 accumulators + 2 B vectors + 1 A broadcast fit V8's 15
// usable xmm registers; 6x8 and 8x8 spilled and ran 30-40% slower here.
const MR: i32 = 4;
const NR: i32 = 8;
// KC x NR B micro-panel (8 KiB) stays in L1, MC x KC A block (128 KiB) in L2.
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 2048;

/** Floats of per-thread scratch `gemm` needs: packed A block, packed B block, one edge tile. */
export function gemmScratchFloats(): i32 {
  return MC * KC + KC * NC + MR * NR;
}

/**
 * C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b] for b < batch, row-major,
 * op(A) [m, k], op(B) [k, n]; strides and leading dimensions in elements.
 */
export function gemm(
  batch: i32, strideA: i32, strideB: i32, strideC: i32,
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  for (let i = 0; i < batch; i++) {
    gemmOne(transA, transB, m, n, k, alpha,
      a + (<usize>(i * strideA) << 2), lda, b + (<usize>(i * strideB) << 2), ldb,
      beta, c + (<usize>(i * strideC) << 2), ldc, scratch);
  }
}

/**
 * The same product as `gemm`, shared among threads that all call this with
 * the same arguments (except scratch): tasks are blocks of `taskSize` rows
 * (splitRows) or columns of one batch entry, claimed from the shared
 * counter, so a thread that the OS descheduled holds up one small task, not
 * a fixed half of the work.
 */
export function gemmTasks(
  counter: usize, splitRows: i32, taskSize: i32,
  batch: i32, strideA: i32, strideB: i32, strideC: i32,
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  const perBatch = (splitRows ? m + taskSize - 1 : n + taskSize - 1) / taskSize;
  const tasks = batch * perBatch;
  for (let t = atomic.add<i32>(counter, 1); t < tasks; t = atomic.add<i32>(counter, 1)) {
    const i = t / perBatch;
    const lo = (t - i * perBatch) * taskSize;
    const pa = a + (<usize>(i * strideA) << 2);
    const pb = b + (<usize>(i * strideB) << 2);
    const pc = c + (<usize>(i * strideC) << 2);
    if (splitRows) {
      const rows = min(taskSize, m - lo);
      gemmOne(transA, transB, rows, n, k, alpha, pa + (<usize>(transA ? lo : lo * lda) << 2), lda, pb, ldb,
        beta, pc + (<usize>(lo * ldc) << 2), ldc, scratch);
    } else {
      const cols = min(taskSize, n - lo);
      gemmOne(transA, transB, m, cols, k, alpha, pa, lda, pb + (<usize>(transB ? lo * ldb : lo) << 2), ldb,
        beta, pc + (<usize>lo << 2), ldc, scratch);
    }
  }
}

export function gemmOne(
  transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32,
  a: usize, lda: i32, b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, scratch: usize,
): void {
  if (m <= 0 || n <= 0) return;
  // beta = 0 with work to do: the first k block overwrites C instead of
  // zeroing it first, which saves a pass over C (large for small k, as in convolutions).
  const overwrite = beta == 0 && k > 0 && alpha != 0;
  if (beta != 1 && !overwrite) scaleMatrix(m, n, beta, c, ldc);
  if (k <= 0 || alpha == 0) return;
  const packA = scratch;
  const packB = scratch + (<usize>(MC * KC) << 2);
  const tile = packB + (<usize>(KC * NC) << 2);
  // Equal k blocks (288 -> 144 + 144, not 256 + 32): a short last block pays
  // the micro-tile's C load and store for little arithmetic.
  const kStep = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kStep) {
      const kc = min(kStep, k - pc);
      packBBlock(transB, b, ldb, pc, jc, kc, nc, packB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packABlock(transA, a, lda, ic, pc, mc, kc, alpha, packA);
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packB + (<usize>(jr * kc) << 2);
          const nr = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const pa = packA + (<usize>(ir * kc) << 2);
            const mr = min(MR, mc - ir);
            const cTile = c + (<usize>((ic + ir) * ldc + jc + jr) << 2);
            const first = overwrite && pc == 0;
            if (mr == MR && nr == NR) {
              if (first) microKernel(pa, pb, cTile, kc, ldc, false);
              else microKernel(pa, pb, cTile, kc, ldc, true);
            } else {
              microKernel(pa, pb, tile, kc, NR, false);
              mergeTile(tile, cTile, ldc, mr, nr, !first);
            }
          }
        }
      }
    }
  }
}

/** C[m, n] *= beta; beta 0 writes zeros so NaN/Inf already in C do not survive. */
export function scaleMatrix(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  const vb = f32x4.splat(beta);
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    let j = 0;
    if (beta == 0) {
      memory.fill(row, 0, <usize>n << 2);
      continue;
    }
    for (; j + 4 <= n; j += 4) {
      const p = row + (<usize>j << 2);
      v128.store(p, f32x4.mul(v128.load(p), vb));
    }
    for (; j < n; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, load<f32>(p) * beta);
    }
  }
}

// C[0:4, 0:8] (+)= Apanel^T Bpanel over kc steps (kc >= 1); `accumulate` is a
// constant at each call site, so the store-only copy has no loads of C.
@inline
function microKernel(a: usize, b: usize, c: usize, kc: i32, ldc: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = b + (<usize>(kc * NR) << 2);
  // do-while: the top-tested `for` form compiled to a loop that ran 25% slower.
  do {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    a += MR * 4;
    b += NR * 4;
  } while (b < end);
  const step = <usize>ldc << 2;
  storeRow(c, c00, c01, accumulate);
  storeRow(c + step, c10, c11, accumulate);
  storeRow(c + 2 * step, c20, c21, accumulate);
  storeRow(c + 3 * step, c30, c31, accumulate);
}

// a * b + c: one fused multiply-add (a single rounding, on hardware with FMA)
// in the relaxed-SIMD build (build.mjs makes both), a multiply then an add in
// the plain one. Either build gives the same bits run after run on one machine.
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

@inline
function storeRow(c: usize, v0: v128, v1: v128, accumulate: bool): void {
  if (accumulate) {
    v128.store(c, f32x4.add(v128.load(c), v0));
    v128.store(c, f32x4.add(v128.load(c, 16), v1), 16);
  } else {
    v128.store(c, v0);
    v128.store(c, v1, 16);
  }
}

// Writes (or adds, when accumulating) the valid mr x nr corner of an edge tile into C.
function mergeTile(tile: usize, c: usize, ldc: i32, mr: i32, nr: i32, accumulate: bool): void {
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const p = c + (<usize>(i * ldc + j) << 2);
      const v = load<f32>(tile + (<usize>(i * NR + j) << 2));
      store<f32>(p, accumulate ? load<f32>(p) + v : v);
    }
  }
}

// Packs op(A)[ic:ic+mc, pc:pc+kc] * alpha into MR-row panels: panel r holds, for
// each p, the MR values of rows r*MR.. (zero past the last row).
function packABlock(transA: i32, a: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, alpha: f32, dst: usize): void {
  const va = f32x4.splat(alpha);
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    if (transA) {
      // op(A)[i, p] = A[p, i]: the MR values of one p are contiguous.
      const src = a + (<usize>(pc * lda + ic + ir) << 2);
      if (mr == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(panel + (<usize>(p * MR) << 2), f32x4.mul(v128.load(src + (<usize>(p * lda) << 2)), va));
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) {
            const v: f32 = r < mr ? load<f32>(src + (<usize>(p * lda + r) << 2)) * alpha : 0;
            store<f32>(panel + (<usize>(p * MR + r) << 2), v);
          }
        }
      }
    } else {
      const src = a + (<usize>((ic + ir) * lda + pc) << 2);
      const rowStep = <usize>lda << 2;
      let p = 0;
      if (mr == MR) {
        for (; p + 4 <= kc; p += 4) {
          const s = src + (<usize>p << 2);
          transposeStore4(
            f32x4.mul(v128.load(s), va), f32x4.mul(v128.load(s + rowStep), va),
            f32x4.mul(v128.load(s + 2 * rowStep), va), f32x4.mul(v128.load(s + 3 * rowStep), va),
            panel + (<usize>(p * MR) << 2), MR * 4);
        }
      }
      for (; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          const v: f32 = r < mr ? load<f32>(src + (<usize>(r * lda + p) << 2)) * alpha : 0;
          store<f32>(panel + (<usize>(p * MR + r) << 2), v);
        }
      }
    }
  }
}

// Packs op(B)[pc:pc+kc, jc:jc+nc] into NR-column panels (zero past the last column).
function packBBlock(transB: i32, b: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 2);
    if (!transB) {
      const src = b + (<usize>(pc * ldb + jc + jr) << 2);
      if (nr == NR) {
        for (let p = 0; p < kc; p++) {
          const s = src + (<usize>(p * ldb) << 2);
          const d = panel + (<usize>(p * NR) << 2);
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR; j++) {
            const v: f32 = j < nr ? load<f32>(src + (<usize>(p * ldb + j) << 2)) : 0;
            store<f32>(panel + (<usize>(p * NR + j) << 2), v);
          }
        }
      }
    } else {
      // op(B)[p, j] = B[j, p]: transpose 4x4 blocks of B's rows.
      const src = b + (<usize>((jc + jr) * ldb + pc) << 2);
      const rowStep = <usize>ldb << 2;
      let p = 0;
      if (nr == NR) {
        for (; p + 4 <= kc; p += 4) {
          const s = src + (<usize>p << 2);
          const d = panel + (<usize>(p * NR) << 2);
          transposeStore4(v128.load(s), v128.load(s + rowStep), v128.load(s + 2 * rowStep), v128.load(s + 3 * rowStep), d, NR * 4);
          const s4 = s + 4 * rowStep;
          transposeStore4(v128.load(s4), v128.load(s4 + rowStep), v128.load(s4 + 2 * rowStep), v128.load(s4 + 3 * rowStep), d + 16, NR * 4);
        }
      }
      for (; p < kc; p++) {
        for (let j = 0; j < NR; j++) {
          const v: f32 = j < nr ? load<f32>(src + (<usize>(j * ldb + p) << 2)) : 0;
          store<f32>(panel + (<usize>(p * NR + j) << 2), v);
        }
      }
    }
  }
}

// Stores the transpose of the 4x4 block whose rows are r0..r3: column q goes to dst + q*step.
@inline
function transposeStore4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: i32): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  const s = <usize>step;
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + s, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * s, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * s, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}
