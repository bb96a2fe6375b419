// Data movement on 32-bit patterns (float32 and int32 alike): strided copies
// (slices, transposes, broadcasts), gathering rows and scatter-adding them
// back. The JS loops these replace moved one element or one short row per
// JavaScript call; here a row is one memory.copy or a plain loop.
// Pointers are byte offsets, strides and sizes in elements.

/** Copies `bytes` (a multiple of 4) from src to dst, which do not overlap: short rows by vectors (memory.copy costs a call). */
@inline
function copyRow(dst: usize, src: usize, bytes: usize): void {
  if (bytes >= 512) {
    memory.copy(dst, src, bytes);
    return;
  }
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<i32>(dst + i, load<i32>(src + i));
}

/**
 * dst[i0, i1, i2, i3] = src[i0*s0 + i1*s1 + i2*s2 + i3*s3], dst contiguous
 * [n0, n1, n2, n3]; an innermost stride of 1 copies whole rows.
 */
export function stridedCopy(src: usize, s0: i32, s1: i32, s2: i32, s3: i32,
  dst: usize, n0: i32, n1: i32, n2: i32, n3: i32): void {
  const rowBytes = <usize>n3 << 2;
  let out = dst;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      let at = src + (<usize>(i0 * s0 + i1 * s1) << 2);
      for (let i2 = 0; i2 < n2; i2++) {
        const row = at + (<usize>(i2 * s2) << 2);
        if (s3 == 1) {
          copyRow(out, row, rowBytes);
        } else if (s3 == 0) {
          const v = load<i32>(row);
          for (let i3 = 0; i3 < n3; i3++) store<i32>(out + (<usize>i3 << 2), v);
        } else {
          const step = <usize>s3 << 2;
          let p = row;
          for (let i3 = 0; i3 < n3; i3++) {
            store<i32>(out + (<usize>i3 << 2), load<i32>(p));
            p += step;
          }
        }
        out += rowBytes;
      }
    }
  }
}

/**
 * dst[i0*s0 + i1*s1 + i2*s2 + i3*s3] = src[i0, i1, i2, i3], src contiguous [n0, n1, n2, n3] (the inverse
 * of stridedCopy: a block written into a window of a larger array, as padding does).
 */
export function stridedPlace(src: usize, dst: usize, s0: i32, s1: i32, s2: i32, s3: i32,
  n0: i32, n1: i32, n2: i32, n3: i32): void {
  const rowBytes = <usize>n3 << 2;
  let from = src;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      const at = dst + (<usize>(i0 * s0 + i1 * s1) << 2);
      for (let i2 = 0; i2 < n2; i2++) {
        const row = at + (<usize>(i2 * s2) << 2);
        if (s3 == 1) {
          copyRow(row, from, rowBytes);
        } else {
          const step = <usize>s3 << 2;
          let p = row;
          for (let i3 = 0; i3 < n3; i3++) {
            store<i32>(p, load<i32>(from + (<usize>i3 << 2)));
            p += step;
          }
        }
        from += rowBytes;
      }
    }
  }
}

/** dst[i] = value for i < n (float32). */
export function fillF32(dst: usize, n: i32, value: f32): void {
  if (value == 0 && 1 / value > 0) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), value);
}

/**
 * out[o, j, :] = x[o, indices[j], :] over x [outer, rows, inner]; an index
 * outside [0, rows) reads zeros.
 */
export function gatherRows(x: usize, outer: i32, rows: i32, inner: i32, indices: usize, count: i32, out: usize): void {
  const rowBytes = <usize>inner << 2;
  let dst = out;
  for (let o = 0; o < outer; o++) {
    const base = x + <usize>(o * rows) * rowBytes;
    for (let j = 0; j < count; j++) {
      const row = load<i32>(indices + (<usize>j << 2));
      if (row >= 0 && row < rows) copyRow(dst, base + <usize>row * rowBytes, rowBytes);
      else memory.fill(dst, 0, rowBytes);
      dst += rowBytes;
    }
  }
}

/**
 * out = zeros [outer, rows, inner], then out[o, indices[j], :] += updates[o, j, :]
 * for j in order (float32 sums, in the order the reference adds them);
 * indices outside [0, rows) are skipped.
 */
export function scatterAddRows(updates: usize, indices: usize, count: i32, outer: i32, rows: i32, inner: i32,
  out: usize): void {
  const rowBytes = <usize>inner << 2;
  memory.fill(out, 0, <usize>(outer * rows) * rowBytes);
  let src = updates;
  for (let o = 0; o < outer; o++) {
    const base = out + <usize>(o * rows) * rowBytes;
    for (let j = 0; j < count; j++) {
      const row = load<i32>(indices + (<usize>j << 2));
      if (row >= 0 && row < rows) {
        const dst = base + <usize>row * rowBytes;
        let i = 0;
        for (; i + 4 <= inner; i += 4) {
          const p = <usize>i << 2;
          v128.store(dst + p, f32x4.add(v128.load(dst + p), v128.load(src + p)));
        }
        for (; i < inner; i++) {
          const p = <usize>i << 2;
          store<f32>(dst + p, load<f32>(dst + p) + load<f32>(src + p));
        }
      }
      src += rowBytes;
    }
  }
}
