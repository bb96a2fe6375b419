// Winograd F(2x2, 3x3) convolution (stride 1, dilation 1, 3x3 filter; NHWC input, HWIO filter), an
// opt-in alternative to the im2col GEMM of conv.ts: 16 multiplies per 2x2 outputs instead of 36.
// The output is cut into 2x2 tiles (the last row/column of tiles partial when the output size is
// odd), each reading a 4x4 input patch (zero outside the input). A task is a chunk of `chunk` tiles:
//   V[e] (chunk x inC) = (B^T d B)[e] for every tile's patch d, e < 16,
//   M[e] (chunk x outC) = V[e] @ U[e], U = G g G^T (winogradFilter, once a call),
//   y tile = A^T m A.
// Chunks are claimed from the shared counter; every output's arithmetic is the same whichever thread
// runs its chunk, so the result does not depend on the thread count.
import { gemmOne, gemmScratchFloats } from "./gemm";

/**
 * U[e][a][b] (16 matrices [cin, cout]) = (G g G^T)[e] for the 3x3 filter g of channel pair (a, b):
 * w[fy][fx][a][b] (HWIO, [3, 3, cin, cout]); with `flip`, the input gradient's filter
 * w[2 - fy][2 - fx][b][a] of a w stored [3, 3, cout, cin].
 */
export function winogradFilter(w: usize, u: usize, cin: i32, cout: i32, flip: i32): void {
  const plane = <usize>(cin * cout);
  for (let a = 0; a < cin; a++) {
    for (let b = 0; b < cout; b++) {
      // g[i][j], i, j < 3
      const off = flip ? <usize>(b * cin + a) : <usize>(a * cout + b);
      const g00 = tap(w, plane, off, flip, 0, 0), g01 = tap(w, plane, off, flip, 0, 1), g02 = tap(w, plane, off, flip, 0, 2);
      const g10 = tap(w, plane, off, flip, 1, 0), g11 = tap(w, plane, off, flip, 1, 1), g12 = tap(w, plane, off, flip, 1, 2);
      const g20 = tap(w, plane, off, flip, 2, 0), g21 = tap(w, plane, off, flip, 2, 1), g22 = tap(w, plane, off, flip, 2, 2);
      // t = G g (4 x 3)
      const t00 = g00, t01 = g01, t02 = g02;
      const t10 = <f32>0.5 * (g00 + g10 + g20), t11 = <f32>0.5 * (g01 + g11 + g21), t12 = <f32>0.5 * (g02 + g12 + g22);
      const t20 = <f32>0.5 * (g00 - g10 + g20), t21 = <f32>0.5 * (g01 - g11 + g21), t22 = <f32>0.5 * (g02 - g12 + g22);
      const t30 = g20, t31 = g21, t32 = g22;
      const dst = u + ((<usize>(a * cout + b)) << 2);
      filterRow(dst, plane, 0, t00, t01, t02);
      filterRow(dst, plane, 1, t10, t11, t12);
      filterRow(dst, plane, 2, t20, t21, t22);
      filterRow(dst, plane, 3, t30, t31, t32);
    }
  }
}

@inline function tap(w: usize, plane: usize, off: usize, flip: i32, i: i32, j: i32): f32 {
  const p = flip ? (2 - i) * 3 + (2 - j) : i * 3 + j;
  return load<f32>(w + ((<usize>p * plane + off) << 2));
}

// Row i of U = t G^T: entries (i, 0..3) of the 4x4 transformed filter.
@inline function filterRow(dst: usize, plane: usize, i: i32, t0: f32, t1: f32, t2: f32): void {
  const e = <usize>(i * 4);
  store<f32>(dst + ((e * plane) << 2), t0);
  store<f32>(dst + (((e + 1) * plane) << 2), <f32>0.5 * (t0 + t1 + t2));
  store<f32>(dst + (((e + 2) * plane) << 2), <f32>0.5 * (t0 - t1 + t2));
  store<f32>(dst + (((e + 3) * plane) << 2), t2);
}

// Floats between the ends of consecutive V[e] (and M[e]): with chunk * channels * 4 bytes a multiple of
// 4 KiB, the 16 values of one tile (read together by the transforms) would map to one L1 set and evict
// each other (chunks of 64 and 128 tiles ran 15-40% slower than 84 without it).
const STAGGER: i32 = 16;

/** Floats of per-thread scratch past the GEMM packing area for chunks of `chunk` tiles. */
export function winogradScratchFloats(chunk: i32, inC: i32, outC: i32): i32 {
  return ((inC + 3) & ~3) + 16 * (chunk * (inC + outC) + 2 * STAGGER);
}

/**
 * y = the convolution of x [batch, inH, inW, inC] with the filter whose transform is u (winogradFilter),
 * y [batch, outH, outW, outC], output pixel (oy, ox) reading input rows oy - padT .. oy - padT + 2.
 */
export function winogradForward(
  x: usize, u: usize, y: usize,
  batch: i32, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32, padT: i32, padL: i32,
  chunk: i32, counter: usize, scratch: usize,
): void {
  const tilesH = (outH + 1) >> 1, tilesW = (outW + 1) >> 1;
  const tiles = batch * tilesH * tilesW;
  const zero = scratch + (<usize>gemmScratchFloats() << 2);
  const inCp = (inC + 3) & ~3;
  memory.fill(zero, 0, <usize>inCp << 2);
  const v = zero + (<usize>inCp << 2);
  const vStep = chunk * inC + STAGGER, mStep = chunk * outC + STAGGER;
  const m = v + (<usize>(16 * vStep) << 2);
  for (let t0 = atomic.add<i32>(counter, 1) * chunk; t0 < tiles; t0 = atomic.add<i32>(counter, 1) * chunk) {
    const n = min(chunk, tiles - t0);
    for (let t = 0; t < n; t++) {
      inputTile(x, v, t, vStep, t0 + t, tilesH, tilesW, inH, inW, inC, padT, padL, zero);
    }
    for (let e = 0; e < 16; e++) {
      gemmOne(0, 0, n, outC, inC, 1, v + (<usize>(e * vStep) << 2), inC,
        u + (<usize>(e * inC * outC) << 2), outC, 0, m + (<usize>(e * mStep) << 2), outC, scratch);
    }
    for (let t = 0; t < n; t++) outputTile(m, y, t, mStep, t0 + t, tilesH, tilesW, outH, outW, outC);
  }
}

// V[e][t][:] = (B^T d B)[e] for tile `tile`'s 4x4 patch d (rows of V[e] are `inC` apart, V[e] `vStep` floats).
function inputTile(
  x: usize, v: usize, t: i32, vStep: i32, tile: i32, tilesH: i32, tilesW: i32,
  inH: i32, inW: i32, inC: i32, padT: i32, padL: i32, zero: usize,
): void {
  const b = tile / (tilesH * tilesW);
  const rem = tile - b * tilesH * tilesW;
  const ty = rem / tilesW;
  const tx = rem - ty * tilesW;
  const y0 = ty * 2 - padT, x0 = tx * 2 - padL;
  const image = x + (<usize>(b * inH * inW * inC) << 2);
  const p00 = at(image, y0, x0, inH, inW, inC, zero), p01 = at(image, y0, x0 + 1, inH, inW, inC, zero);
  const p02 = at(image, y0, x0 + 2, inH, inW, inC, zero), p03 = at(image, y0, x0 + 3, inH, inW, inC, zero);
  const p10 = at(image, y0 + 1, x0, inH, inW, inC, zero), p11 = at(image, y0 + 1, x0 + 1, inH, inW, inC, zero);
  const p12 = at(image, y0 + 1, x0 + 2, inH, inW, inC, zero), p13 = at(image, y0 + 1, x0 + 3, inH, inW, inC, zero);
  const p20 = at(image, y0 + 2, x0, inH, inW, inC, zero), p21 = at(image, y0 + 2, x0 + 1, inH, inW, inC, zero);
  const p22 = at(image, y0 + 2, x0 + 2, inH, inW, inC, zero), p23 = at(image, y0 + 2, x0 + 3, inH, inW, inC, zero);
  const p30 = at(image, y0 + 3, x0, inH, inW, inC, zero), p31 = at(image, y0 + 3, x0 + 1, inH, inW, inC, zero);
  const p32 = at(image, y0 + 3, x0 + 2, inH, inW, inC, zero), p33 = at(image, y0 + 3, x0 + 3, inH, inW, inC, zero);
  const step = <usize>vStep << 2; // from V[e] to V[e + 1]
  let dst = v + (<usize>(t * inC) << 2);
  let c = 0;
  for (; c + 4 <= inC; c += 4) {
    const o = <usize>c << 2;
    // B^T d, column by column
    const d00 = v128.load(p00 + o), d01 = v128.load(p01 + o), d02 = v128.load(p02 + o), d03 = v128.load(p03 + o);
    const d10 = v128.load(p10 + o), d11 = v128.load(p11 + o), d12 = v128.load(p12 + o), d13 = v128.load(p13 + o);
    const d20 = v128.load(p20 + o), d21 = v128.load(p21 + o), d22 = v128.load(p22 + o), d23 = v128.load(p23 + o);
    const d30 = v128.load(p30 + o), d31 = v128.load(p31 + o), d32 = v128.load(p32 + o), d33 = v128.load(p33 + o);
    inputRowV(dst + o, step, 0, f32x4.sub(d00, d20), f32x4.sub(d01, d21), f32x4.sub(d02, d22), f32x4.sub(d03, d23));
    inputRowV(dst + o, step, 1, f32x4.add(d10, d20), f32x4.add(d11, d21), f32x4.add(d12, d22), f32x4.add(d13, d23));
    inputRowV(dst + o, step, 2, f32x4.sub(d20, d10), f32x4.sub(d21, d11), f32x4.sub(d22, d12), f32x4.sub(d23, d13));
    inputRowV(dst + o, step, 3, f32x4.sub(d10, d30), f32x4.sub(d11, d31), f32x4.sub(d12, d32), f32x4.sub(d13, d33));
  }
  for (; c < inC; c++) {
    const o = <usize>c << 2;
    const d00 = load<f32>(p00 + o), d01 = load<f32>(p01 + o), d02 = load<f32>(p02 + o), d03 = load<f32>(p03 + o);
    const d10 = load<f32>(p10 + o), d11 = load<f32>(p11 + o), d12 = load<f32>(p12 + o), d13 = load<f32>(p13 + o);
    const d20 = load<f32>(p20 + o), d21 = load<f32>(p21 + o), d22 = load<f32>(p22 + o), d23 = load<f32>(p23 + o);
    const d30 = load<f32>(p30 + o), d31 = load<f32>(p31 + o), d32 = load<f32>(p32 + o), d33 = load<f32>(p33 + o);
    inputRowS(dst + o, step, 0, d00 - d20, d01 - d21, d02 - d22, d03 - d23);
    inputRowS(dst + o, step, 1, d10 + d20, d11 + d21, d12 + d22, d13 + d23);
    inputRowS(dst + o, step, 2, d20 - d10, d21 - d11, d22 - d12, d23 - d13);
    inputRowS(dst + o, step, 3, d10 - d30, d11 - d31, d12 - d32, d13 - d33);
  }
}

// The pixel (iy, ix) of an image, or the zero row outside it.
@inline function at(image: usize, iy: i32, ix: i32, inH: i32, inW: i32, inC: i32, zero: usize): usize {
  return <u32>iy < <u32>inH && <u32>ix < <u32>inW ? image + (<usize>((iy * inW + ix) * inC) << 2) : zero;
}

// Row i of (B^T d) B from row i of B^T d: entries e = 4i .. 4i + 3.
@inline function inputRowV(dst: usize, step: usize, i: i32, t0: v128, t1: v128, t2: v128, t3: v128): void {
  const base = dst + <usize>(i * 4) * step;
  v128.store(base, f32x4.sub(t0, t2));
  v128.store(base + step, f32x4.add(t1, t2));
  v128.store(base + 2 * step, f32x4.sub(t2, t1));
  v128.store(base + 3 * step, f32x4.sub(t1, t3));
}

@inline function inputRowS(dst: usize, step: usize, i: i32, t0: f32, t1: f32, t2: f32, t3: f32): void {
  const base = dst + <usize>(i * 4) * step;
  store<f32>(base, t0 - t2);
  store<f32>(base + step, t1 + t2);
  store<f32>(base + 2 * step, t2 - t1);
  store<f32>(base + 3 * step, t1 - t3);
}

// Which of a 2x2 output tile's right column (1) and bottom row (2) lie inside the output.
@inline function tileEdges(tile: i32, tilesH: i32, tilesW: i32, outH: i32, outW: i32): i32 {
  const ty = (tile % (tilesH * tilesW)) / tilesW;
  const tx = tile % tilesW;
  return (tx * 2 + 1 < outW ? 1 : 0) | (ty * 2 + 1 < outH ? 2 : 0);
}

// Address of a 2x2 output tile's top-left pixel in y [batch, outH, outW, outC].
@inline function tileCorner(y: usize, tile: i32, tilesH: i32, tilesW: i32, outH: i32, outW: i32, outC: i32): usize {
  const b = tile / (tilesH * tilesW);
  const ty = (tile - b * tilesH * tilesW) / tilesW;
  const tx = tile % tilesW;
  return y + (<usize>(((b * outH + ty * 2) * outW + tx * 2) * outC) << 2);
}

// y's 2x2 tile `tile` = A^T m A (m[e] = M[e][t][:]); the parts past the output's edge are dropped.
function outputTile(
  m: usize, y: usize, t: i32, mStep: i32, tile: i32, tilesH: i32, tilesW: i32, outH: i32, outW: i32, outC: i32,
): void {
  const edges = tileEdges(tile, tilesH, tilesW, outH, outW);
  const right = (edges & 1) != 0, below = (edges & 2) != 0;
  const q00 = tileCorner(y, tile, tilesH, tilesW, outH, outW, outC);
  const q01 = q00 + (<usize>outC << 2);
  const q10 = q00 + (<usize>(outW * outC) << 2);
  const q11 = q10 + (<usize>outC << 2);
  const step = <usize>mStep << 2;
  const src = m + (<usize>(t * outC) << 2);
  let c = 0;
  for (; c + 4 <= outC; c += 4) {
    const o = <usize>c << 2;
    const s = src + o;
    const m00 = v128.load(s), m01 = v128.load(s + step), m02 = v128.load(s + 2 * step), m03 = v128.load(s + 3 * step);
    const m10 = v128.load(s + 4 * step), m11 = v128.load(s + 5 * step), m12 = v128.load(s + 6 * step), m13 = v128.load(s + 7 * step);
    const m20 = v128.load(s + 8 * step), m21 = v128.load(s + 9 * step), m22 = v128.load(s + 10 * step), m23 = v128.load(s + 11 * step);
    const m30 = v128.load(s + 12 * step), m31 = v128.load(s + 13 * step), m32 = v128.load(s + 14 * step), m33 = v128.load(s + 15 * step);
    // A^T m: rows s0 = m0 + m1 + m2, s1 = m1 - m2 - m3
    const a0 = f32x4.add(f32x4.add(m00, m10), m20), a1 = f32x4.add(f32x4.add(m01, m11), m21);
    const a2 = f32x4.add(f32x4.add(m02, m12), m22), a3 = f32x4.add(f32x4.add(m03, m13), m23);
    const b0 = f32x4.sub(f32x4.sub(m10, m20), m30), b1 = f32x4.sub(f32x4.sub(m11, m21), m31);
    const b2 = f32x4.sub(f32x4.sub(m12, m22), m32), b3 = f32x4.sub(f32x4.sub(m13, m23), m33);
    v128.store(q00 + o, f32x4.add(f32x4.add(a0, a1), a2));
    if (right) v128.store(q01 + o, f32x4.sub(f32x4.sub(a1, a2), a3));
    if (below) {
      v128.store(q10 + o, f32x4.add(f32x4.add(b0, b1), b2));
      if (right) v128.store(q11 + o, f32x4.sub(f32x4.sub(b1, b2), b3));
    }
  }
  for (; c < outC; c++) {
    const s = src + (<usize>c << 2);
    const o = <usize>c << 2;
    const m00 = load<f32>(s), m01 = load<f32>(s + step), m02 = load<f32>(s + 2 * step), m03 = load<f32>(s + 3 * step);
    const m10 = load<f32>(s + 4 * step), m11 = load<f32>(s + 5 * step), m12 = load<f32>(s + 6 * step), m13 = load<f32>(s + 7 * step);
    const m20 = load<f32>(s + 8 * step), m21 = load<f32>(s + 9 * step), m22 = load<f32>(s + 10 * step), m23 = load<f32>(s + 11 * step);
    const m30 = load<f32>(s + 12 * step), m31 = load<f32>(s + 13 * step), m32 = load<f32>(s + 14 * step), m33 = load<f32>(s + 15 * step);
    const a0 = m00 + m10 + m20, a1 = m01 + m11 + m21, a2 = m02 + m12 + m22, a3 = m03 + m13 + m23;
    const b0 = m10 - m20 - m30, b1 = m11 - m21 - m31, b2 = m12 - m22 - m32, b3 = m13 - m23 - m33;
    store<f32>(q00 + o, a0 + a1 + a2);
    if (right) store<f32>(q01 + o, a1 - a2 - a3);
    if (below) {
      store<f32>(q10 + o, b0 + b1 + b2);
      if (right) store<f32>(q11 + o, b1 - b2 - b3);
    }
  }
}

/**
 * The filter gradient's transformed sums: dU[e] (inC x outC) += V[e]^T @ Z[e] over tiles, Z = A z A^T
 * for each tile's 2x2 dy patch z (zero past the output's edge). The chunks of tiles are split into
 * `groups` fixed, consecutive runs, claimed whole from the shared counter, each summed in order into its
 * own partial (`parts`, 16 inC x outC matrices a group), so the sums do not depend on the threads (as
 * conv.ts's conv2dBackpropFilter). winogradFilterGradient turns the summed dU into dw.
 */
export function winogradBackpropFilter(
  x: usize, dy: usize, parts: usize, groups: i32,
  batch: i32, inH: i32, inW: i32, inC: i32, outH: i32, outW: i32, outC: i32, padT: i32, padL: i32,
  chunk: i32, counter: usize, scratch: usize,
): void {
  const tilesH = (outH + 1) >> 1, tilesW = (outW + 1) >> 1;
  const tiles = batch * tilesH * tilesW;
  const chunks = (tiles + chunk - 1) / chunk;
  const zero = scratch + (<usize>gemmScratchFloats() << 2);
  const inCp = (inC + 3) & ~3;
  memory.fill(zero, 0, <usize>inCp << 2);
  const v = zero + (<usize>inCp << 2);
  const vStep = chunk * inC + STAGGER, zStep = chunk * outC + STAGGER;
  const z = v + (<usize>(16 * vStep) << 2);
  const partBytes = <usize>(16 * inC * outC) << 2;
  for (let group = atomic.add<i32>(counter, 1); group < groups; group = atomic.add<i32>(counter, 1)) {
    const du = parts + <usize>group * partBytes;
    const last = <i32>((<i64>(group + 1) * chunks) / groups);
    for (let c = <i32>((<i64>group * chunks) / groups); c < last; c++) {
      const t0 = c * chunk;
      const n = min(chunk, tiles - t0);
      for (let t = 0; t < n; t++) {
        inputTile(x, v, t, vStep, t0 + t, tilesH, tilesW, inH, inW, inC, padT, padL, zero);
        gradientTile(dy, z, t, zStep, t0 + t, tilesH, tilesW, outH, outW, outC);
      }
      for (let e = 0; e < 16; e++) {
        gemmOne(1, 0, inC, outC, n, 1, v + (<usize>(e * vStep) << 2), inC, z + (<usize>(e * zStep) << 2), outC,
          1, du + (<usize>(e * inC * outC) << 2), outC, scratch);
      }
    }
  }
}

// Z[e][t][:] = (A z A^T)[e] for tile `tile`'s 2x2 patch z of dy (zero past the output's edge).
function gradientTile(
  dy: usize, z: usize, t: i32, zStep: i32, tile: i32, tilesH: i32, tilesW: i32, outH: i32, outW: i32, outC: i32,
): void {
  const edges = tileEdges(tile, tilesH, tilesW, outH, outW);
  const right = (edges & 1) != 0, below = (edges & 2) != 0;
  const q00 = tileCorner(dy, tile, tilesH, tilesW, outH, outW, outC);
  const q01 = q00 + (<usize>outC << 2);
  const q10 = q00 + (<usize>(outW * outC) << 2);
  const q11 = q10 + (<usize>outC << 2);
  const step = <usize>zStep << 2;
  const dst = z + (<usize>(t * outC) << 2);
  const none = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= outC; c += 4) {
    const o = <usize>c << 2;
    const z00 = v128.load(q00 + o);
    const z01 = right ? v128.load(q01 + o) : none;
    const z10 = below ? v128.load(q10 + o) : none;
    const z11 = right && below ? v128.load(q11 + o) : none;
    // A z: rows [z0, z0 + z1, z0 - z1, -z1]; then the same along each row.
    gradientRowV(dst + o, step, 0, z00, z01);
    gradientRowV(dst + o, step, 1, f32x4.add(z00, z10), f32x4.add(z01, z11));
    gradientRowV(dst + o, step, 2, f32x4.sub(z00, z10), f32x4.sub(z01, z11));
    gradientRowV(dst + o, step, 3, f32x4.neg(z10), f32x4.neg(z11));
  }
  for (; c < outC; c++) {
    const o = <usize>c << 2;
    const z00 = load<f32>(q00 + o);
    const z01 = right ? load<f32>(q01 + o) : <f32>0;
    const z10 = below ? load<f32>(q10 + o) : <f32>0;
    const z11 = right && below ? load<f32>(q11 + o) : <f32>0;
    gradientRowS(dst + o, step, 0, z00, z01);
    gradientRowS(dst + o, step, 1, z00 + z10, z01 + z11);
    gradientRowS(dst + o, step, 2, z00 - z10, z01 - z11);
    gradientRowS(dst + o, step, 3, -z10, -z11);
  }
}

@inline function gradientRowV(dst: usize, step: usize, i: i32, a: v128, b: v128): void {
  const base = dst + <usize>(i * 4) * step;
  v128.store(base, a);
  v128.store(base + step, f32x4.add(a, b));
  v128.store(base + 2 * step, f32x4.sub(a, b));
  v128.store(base + 3 * step, f32x4.neg(b));
}

@inline function gradientRowS(dst: usize, step: usize, i: i32, a: f32, b: f32): void {
  const base = dst + <usize>(i * 4) * step;
  store<f32>(base, a);
  store<f32>(base + step, a + b);
  store<f32>(base + 2 * step, a - b);
  store<f32>(base + 3 * step, -b);
}

/** dw [3, 3, inC, outC] = G^T dU G from the summed dU (16 matrices [inC, outC]). */
export function winogradFilterGradient(du: usize, dw: usize, inC: i32, outC: i32): void {
  const plane = <usize>(inC * outC);
  for (let p: usize = 0; p < plane; p++) {
    const s = du + (p << 2);
    // s_i = row i of G^T dU (3 x 4), from the rows u0..u3 of dU.
    const u00 = load<f32>(s), u01 = load<f32>(s + (plane << 2)), u02 = load<f32>(s + (2 * plane << 2)), u03 = load<f32>(s + (3 * plane << 2));
    const u10 = load<f32>(s + (4 * plane << 2)), u11 = load<f32>(s + (5 * plane << 2)), u12 = load<f32>(s + (6 * plane << 2)), u13 = load<f32>(s + (7 * plane << 2));
    const u20 = load<f32>(s + (8 * plane << 2)), u21 = load<f32>(s + (9 * plane << 2)), u22 = load<f32>(s + (10 * plane << 2)), u23 = load<f32>(s + (11 * plane << 2));
    const u30 = load<f32>(s + (12 * plane << 2)), u31 = load<f32>(s + (13 * plane << 2)), u32 = load<f32>(s + (14 * plane << 2)), u33 = load<f32>(s + (15 * plane << 2));
    const d = dw + (p << 2);
    gradientFilterRow(d, plane, 0, u00 + <f32>0.5 * (u10 + u20), u01 + <f32>0.5 * (u11 + u21), u02 + <f32>0.5 * (u12 + u22), u03 + <f32>0.5 * (u13 + u23));
    gradientFilterRow(d, plane, 1, <f32>0.5 * (u10 - u20), <f32>0.5 * (u11 - u21), <f32>0.5 * (u12 - u22), <f32>0.5 * (u13 - u23));
    gradientFilterRow(d, plane, 2, <f32>0.5 * (u10 + u20) + u30, <f32>0.5 * (u11 + u21) + u31, <f32>0.5 * (u12 + u22) + u32, <f32>0.5 * (u13 + u23) + u33);
  }
}

// Row i of dw's 3x3 = row i of G^T dU times G: taps (i, 0..2).
@inline function gradientFilterRow(d: usize, plane: usize, i: i32, s0: f32, s1: f32, s2: f32, s3: f32): void {
  const base = d + ((<usize>(i * 3) * plane) << 2);
  store<f32>(base, s0 + <f32>0.5 * (s1 + s2));
  store<f32>(base + (plane << 2), <f32>0.5 * (s1 - s2));
  store<f32>(base + (2 * plane << 2), <f32>0.5 * (s1 + s2) + s3);
}
