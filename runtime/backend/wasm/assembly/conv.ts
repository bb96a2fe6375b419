// 2-D convolution (NHWC input, [fh, fw, inC, outC] filter) as GEMMs over
// im2col chunks: each chunk of output pixels is unrolled into a [rows, K]
// matrix (K = fh*fw*inC) small enough to stay in L2, then multiplied.
// Entries are run by every thread at once; each claims tasks (chunks of
// output pixels, images, or groups of chunks) from a shared counter until none are left.
import { gemmOne, gemmScratchFloats } from "./gemm";

// Geometry block (i32 words), written by the JS side (conv.ts there).
const BATCH = 0, IN_H = 1, IN_W = 2, IN_C = 3, OUT_H = 4, OUT_W = 5, OUT_C = 6;
const F_H = 7, F_W = 8, S_H = 9, S_W = 10, D_H = 11, D_W = 12, PAD_T = 13, PAD_L = 14;
// Bytes of im2col chunk per thread; half of L2 so the packed GEMM operands fit beside it.
const CHUNK_BYTES: i32 = 512 * 1024;

@inline function geo(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

// At most this many rows a chunk: small filters (k = 9) would otherwise make
// chunks so big that two threads get only a handful of tasks to balance.
const CHUNK_MAX_ROWS: i32 = 1024;

/** Rows of one im2col chunk for filter size k (at least one micro-tile). */
export function convChunkRows(k: i32): i32 {
  return max(4, min(CHUNK_MAX_ROWS, CHUNK_BYTES / (k * 4)));
}

/** y = im2col(x) @ w, in chunks of output rows claimed from the shared counter. */
export function conv2dForward(g: usize, x: usize, w: usize, y: usize, counter: usize, scratch: usize): void {
  const k = geo(g, F_H) * geo(g, F_W) * geo(g, IN_C);
  const outC = geo(g, OUT_C);
  const chunk = convChunkRows(k);
  const rows = geo(g, BATCH) * geo(g, OUT_H) * geo(g, OUT_W);
  for (let r = atomic.add<i32>(counter, 1) * chunk; r < rows; r = atomic.add<i32>(counter, 1) * chunk) {
    const n = min(chunk, rows - r);
    const cols = unrolled(g, x, r, n, k, scratch);
    gemmOne(0, 0, n, outC, k, 1, cols, k, w, outC, 0, y + (<usize>(r * outC) << 2), outC, scratch);
  }
}

/**
 * dw = im2col(x)^T @ dy, the chunks of output rows split into `groups` fixed, consecutive runs. Threads
 * claim whole groups from the shared counter; each group accumulates its chunks in order into its own
 * partial (`parts`, one filter's worth per group), which the JS side sums in group order. The float sums
 * thus never depend on which thread ran what: with chunks claimed by threads one at a time into a partial
 * per thread, two runs under the same nn.seed trained to different weights.
 */
export function conv2dBackpropFilter(g: usize, x: usize, dy: usize, parts: usize, groups: i32, counter: usize, scratch: usize): void {
  const k = geo(g, F_H) * geo(g, F_W) * geo(g, IN_C);
  const outC = geo(g, OUT_C);
  const chunk = convChunkRows(k);
  const rows = geo(g, BATCH) * geo(g, OUT_H) * geo(g, OUT_W);
  const chunks = (rows + chunk - 1) / chunk;
  const filterBytes = <usize>(k * outC) << 2;
  for (let group = atomic.add<i32>(counter, 1); group < groups; group = atomic.add<i32>(counter, 1)) {
    const dw = parts + <usize>group * filterBytes;
    const last = <i32>((<i64>(group + 1) * chunks) / groups);
    for (let c = <i32>((<i64>group * chunks) / groups); c < last; c++) {
      const r = c * chunk;
      const n = min(chunk, rows - r);
      const cols = unrolled(g, x, r, n, k, scratch);
      gemmOne(1, 0, k, outC, n, 1, cols, k, dy + (<usize>(r * outC) << 2), outC, 1, dw, outC, scratch);
    }
  }
}

/** dx = col2im(dy @ w^T), one image per task claimed from the shared counter (images never share dx). */
export function conv2dBackpropInput(g: usize, dy: usize, w: usize, dx: usize, counter: usize, scratch: usize): void {
  const k = geo(g, F_H) * geo(g, F_W) * geo(g, IN_C);
  const outC = geo(g, OUT_C);
  const perImage = geo(g, OUT_H) * geo(g, OUT_W);
  const imageFloats = geo(g, IN_H) * geo(g, IN_W) * geo(g, IN_C);
  const cols = scratch + (<usize>gemmScratchFloats() << 2);
  const chunk = convChunkRows(k);
  const direct = isPointwise(g);
  const batch = geo(g, BATCH);
  for (let b = atomic.add<i32>(counter, 1); b < batch; b = atomic.add<i32>(counter, 1)) {
    memory.fill(dx + (<usize>(b * imageFloats) << 2), 0, <usize>imageFloats << 2);
    const end = (b + 1) * perImage;
    for (let r = b * perImage; r < end; r += chunk) {
      const n = min(chunk, end - r);
      const c = direct ? dx + (<usize>(r * k) << 2) : cols;
      gemmOne(0, 1, n, k, outC, 1, dy + (<usize>(r * outC) << 2), outC, w, outC, 0, c, k, scratch);
      if (!direct) col2imAdd(g, cols, r, n, dx);
    }
  }
}

// The im2col matrix of output rows [r, r+n): x itself for a pointwise filter, else unrolled into scratch.
function unrolled(g: usize, x: usize, r: i32, n: i32, k: i32, scratch: usize): usize {
  if (isPointwise(g)) return x + (<usize>(r * k) << 2);
  const cols = scratch + (<usize>gemmScratchFloats() << 2);
  im2col(g, x, r, n, cols);
  return cols;
}

// A 1x1 filter with stride 1 and no padding reads x itself as the im2col matrix.
function isPointwise(g: usize): bool {
  return geo(g, F_H) == 1 && geo(g, F_W) == 1 && geo(g, S_H) == 1 && geo(g, S_W) == 1 &&
    geo(g, PAD_T) == 0 && geo(g, PAD_L) == 0 && geo(g, OUT_H) == geo(g, IN_H) && geo(g, OUT_W) == geo(g, IN_W);
}

// cols[rows, K]: row j holds, tap by tap, the inC input values that output pixel r+j reads (0 outside).
function im2col(g: usize, x: usize, r: i32, rows: i32, cols: usize): void {
  const inH = geo(g, IN_H), inW = geo(g, IN_W), inC = geo(g, IN_C);
  const outH = geo(g, OUT_H), outW = geo(g, OUT_W);
  const fh = geo(g, F_H), fw = geo(g, F_W), sh = geo(g, S_H), sw = geo(g, S_W);
  const dh = geo(g, D_H), dw = geo(g, D_W), pt = geo(g, PAD_T), pl = geo(g, PAD_L);
  const tapBytes = <usize>inC << 2;
  let dst = cols;
  for (let j = 0; j < rows; j++) {
    const p = r + j;
    const b = p / (outH * outW);
    const rem = p - b * outH * outW;
    const oy = rem / outW;
    const ox = rem - oy * outW;
    const x0 = ox * sw - pl;
    // With unit dilation and the whole filter row inside the image, one row of taps is one contiguous copy.
    const rowInside = dw == 1 && x0 >= 0 && x0 + fw <= inW;
    for (let fy = 0; fy < fh; fy++) {
      const iy = oy * sh - pt + fy * dh;
      if (iy < 0 || iy >= inH) {
        memory.fill(dst, 0, tapBytes * fw);
        dst += tapBytes * fw;
        continue;
      }
      const src = x + (<usize>(((b * inH + iy) * inW) * inC) << 2);
      if (rowInside) {
        copyFloats(dst, src + (<usize>(x0 * inC) << 2), inC * fw);
        dst += tapBytes * fw;
        continue;
      }
      for (let fx = 0; fx < fw; fx++) {
        const ix = x0 + fx * dw;
        if (ix < 0 || ix >= inW) memory.fill(dst, 0, tapBytes);
        else copyFloats(dst, src + (<usize>(ix * inC) << 2), inC);
        dst += tapBytes;
      }
    }
  }
}

// The adjoint of im2col: adds each cols row's taps back into the input pixels they were read from.
function col2imAdd(g: usize, cols: usize, r: i32, rows: i32, dx: usize): void {
  const inH = geo(g, IN_H), inW = geo(g, IN_W), inC = geo(g, IN_C);
  const outH = geo(g, OUT_H), outW = geo(g, OUT_W);
  const fh = geo(g, F_H), fw = geo(g, F_W), sh = geo(g, S_H), sw = geo(g, S_W);
  const dh = geo(g, D_H), dw = geo(g, D_W), pt = geo(g, PAD_T), pl = geo(g, PAD_L);
  let src = cols;
  for (let j = 0; j < rows; j++) {
    const p = r + j;
    const b = p / (outH * outW);
    const rem = p - b * outH * outW;
    const oy = rem / outW;
    const ox = rem - oy * outW;
    for (let fy = 0; fy < fh; fy++) {
      const iy = oy * sh - pt + fy * dh;
      for (let fx = 0; fx < fw; fx++) {
        const ix = ox * sw - pl + fx * dw;
        if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) {
          addInto(dx + (<usize>(((b * inH + iy) * inW + ix) * inC) << 2), src, inC);
        }
        src += <usize>inC << 2;
      }
    }
  }
}

// Rows of taps are short (3 floats for a 3x3 filter over one channel); an
// inline loop beats memory.copy's call overhead at these sizes.
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, v128.load(src + o));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

@inline function addInto(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
