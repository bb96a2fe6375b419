// A recurrent layer's whole recurrence over a sequence in float32, forward
// and backpropagation through time, for three cells: the LSTM, the GRU
// (resetAfter) and the SimpleRNN, with tanh and sigmoid. The maths is that of
// runtime/ops/scan.ts's float64 loops with the cells' step kernels
// (keras/recurrent/*_cell.ts, the op layer's fallback), in one kernel call
// per direction. The batch rows of a sequence never meet in the
// recurrence, so threads claim blocks of rows from a shared counter and run
// every step of their rows alone; each row's values do not depend on which
// thread ran it or with which other rows, so the results are the same bits
// on any thread count.
//
// Layouts (row-major, float32, pointers are byte offsets, u = units, w = the
// gates' width: 4u LSTM, 3u GRU, u SimpleRNN; S = 2 states for the LSTM, else 1):
//   xp [batch, time, w]: the projected inputs, the gates side by side;
//   r [u, w]: the recurrent kernel; rT [w, u] its transpose (backward);
//   rb [w]: the recurrent bias added to h r (the GRU's), or 0 for none;
//   states [batch, time, S u]: h (then c) after each processed step k;
//   saved [batch, time, V u]: what backward needs of step k (V below);
//   mask [batch, time] (input time order) or 0 for none.
// Step k reads input step t = k, or time - 1 - k going backwards.

import { madd } from "./gemm";

const LOG2E: f32 = 1.44269504;
// ln 2 split in two (Cody and Waite), so n * LN2_HI is exact for the n that occur.
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/**
 * e^x for four lanes: x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor
 * series to r^7 (truncation below 1e-8 relative), times 2^n built in the
 * exponent bits. x is clamped to [-87, 88] first (2^n stays a normal float);
 * NaN passes through.
 */
@inline
function expv(x: v128): v128 {
  const c = f32x4.min(f32x4.max(x, f32x4.splat(-87)), f32x4.splat(88));
  const n = f32x4.nearest(f32x4.mul(c, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(c, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(<f32>1 / 5040);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>1 / 720));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>1 / 120));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>1 / 24));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(<f32>1 / 6));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/** 1 / (1 + e^-x) for four lanes. */
@inline
function sigmoidv(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}

/** tanh x = 1 - 2 / (e^2x + 1) for four lanes (absolute error about one float32 ulp of 1). */
@inline
function tanhv(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(expv(f32x4.add(x, x)), one)));
}

/** Four floats at p, or the first n (1 to 3) and zeros: the last, partial chunk of a row. */
@inline
function ld(p: usize, n: i32): v128 {
  if (n >= 4) return v128.load(p);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores four lanes at p, or only the first n (1 to 3). */
@inline
function st(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/**
 * C[m, n] = (accumulate ? C : 0) + A[m, k] B[k, n], row-major, leading
 * dimensions in elements: one step's small product (a few rows of states
 * times the recurrent kernel), unpacked. Tiles of 4 rows by 8 columns in
 * registers; every element sums its k products in the same order whatever
 * tile it falls in.
 */
function stepGemm(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  accumulate: bool): void {
  const sa = <usize>lda << 2, sb = <usize>ldb << 2, sc = <usize>ldc << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * sa, c0 = c + <usize>i * sc;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
      let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const pa = a0 + (<usize>p << 2);
        let av = v128.load32_splat(pa);
        x00 = madd(av, b0, x00);
        x01 = madd(av, b1, x01);
        av = v128.load32_splat(pa + sa);
        x10 = madd(av, b0, x10);
        x11 = madd(av, b1, x11);
        av = v128.load32_splat(pa + 2 * sa);
        x20 = madd(av, b0, x20);
        x21 = madd(av, b1, x21);
        av = v128.load32_splat(pa + 3 * sa);
        x30 = madd(av, b0, x30);
        x31 = madd(av, b1, x31);
        pb += sb;
      }
      const pc = c0 + (<usize>j << 2);
      put(pc, x00, 4, accumulate);
      put(pc + 16, x01, 4, accumulate);
      put(pc + sc, x10, 4, accumulate);
      put(pc + sc + 16, x11, 4, accumulate);
      put(pc + 2 * sc, x20, 4, accumulate);
      put(pc + 2 * sc + 16, x21, 4, accumulate);
      put(pc + 3 * sc, x30, 4, accumulate);
      put(pc + 3 * sc + 16, x31, 4, accumulate);
    }
    for (; j < n; j += 4) {
      const w = n - j;
      let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const bv = ld(pb, w);
        const pa = a0 + (<usize>p << 2);
        x0 = madd(v128.load32_splat(pa), bv, x0);
        x1 = madd(v128.load32_splat(pa + sa), bv, x1);
        x2 = madd(v128.load32_splat(pa + 2 * sa), bv, x2);
        x3 = madd(v128.load32_splat(pa + 3 * sa), bv, x3);
        pb += sb;
      }
      const pc = c0 + (<usize>j << 2);
      put(pc, x0, w, accumulate);
      put(pc + sc, x1, w, accumulate);
      put(pc + 2 * sc, x2, w, accumulate);
      put(pc + 3 * sc, x3, w, accumulate);
    }
  }
  for (; i < m; i++) {
    const a0 = a + <usize>i * sa, c0 = c + <usize>i * sc;
    for (let j = 0; j < n; j += 4) {
      const w = n - j;
      let x0 = f32x4.splat(0);
      let pb = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        x0 = madd(v128.load32_splat(a0 + (<usize>p << 2)), ld(pb, w), x0);
        pb += sb;
      }
      put(c0 + (<usize>j << 2), x0, w, accumulate);
    }
  }
}

@inline
function put(p: usize, v: v128, n: i32, accumulate: bool): void {
  st(p, accumulate ? f32x4.add(ld(p, n), v) : v, n);
}

const LSTM: i32 = 0;
const GRU: i32 = 1;

/** A masked row's new state, prev + keep (next - prev); `next` itself where keep is 1. */
@inline
function blend(prev: v128, next: v128, keep: f32): v128 {
  return keep != 1 ? f32x4.add(prev, f32x4.mul(f32x4.splat(keep), f32x4.sub(next, prev))) : next;
}

/** Of a state's gradient d at a masked step, the part that reaches the step: keep d. */
@inline
function kept(d: v128, keep: f32): v128 {
  return keep != 1 ? f32x4.mul(d, f32x4.splat(keep)) : d;
}

/** Of a state's gradient d at a masked step, the part that passes to the previous state: (1 - keep) d. */
@inline
function passed(d: v128, keep: f32): v128 {
  return keep != 1 ? f32x4.mul(f32x4.splat(1 - keep), d) : f32x4.splat(0);
}

/** Gate blocks of a cell (LSTM i, f, c~, o; GRU z, r, h~; SimpleRNN one). */
@inline
function gatesOf(cell: i32): i32 {
  return cell == LSTM ? 4 : cell == GRU ? 3 : 1;
}

/** Floats a row saves per step: LSTM i, f, c~, o, tanh(c); GRU z, r, h~ and the recurrent candidate term; SimpleRNN h. */
export function recurrentSavedWidth(cell: i32): i32 {
  return cell == LSTM ? 5 : cell == GRU ? 4 : 1;
}

/**
 * One row of one LSTM step: gates from x + rec, the new h and c to `out`,
 * gates and tanh(c) to `sv`; a masked row (keep < 1) becomes prev + keep (new - prev).
 */
@inline
function lstmRow(u: i32, x: usize, z: usize, hPrev: usize, cPrev: usize, keep: f32, out: usize, sv: usize): void {
  const bu = <usize>u << 2;
  for (let j = 0; j < u; j += 4) {
    const n = u - j;
    const o4 = <usize>j << 2;
    const gi = sigmoidv(f32x4.add(ld(x + o4, n), ld(z + o4, n)));
    const gf = sigmoidv(f32x4.add(ld(x + bu + o4, n), ld(z + bu + o4, n)));
    const gg = tanhv(f32x4.add(ld(x + 2 * bu + o4, n), ld(z + 2 * bu + o4, n)));
    const go = sigmoidv(f32x4.add(ld(x + 3 * bu + o4, n), ld(z + 3 * bu + o4, n)));
    const cp = ld(cPrev + o4, n);
    const c = f32x4.add(f32x4.mul(gf, cp), f32x4.mul(gi, gg));
    const tc = tanhv(c);
    st(out + o4, blend(ld(hPrev + o4, n), f32x4.mul(go, tc), keep), n);
    st(out + bu + o4, blend(cp, c, keep), n);
    st(sv + o4, gi, n);
    st(sv + bu + o4, gf, n);
    st(sv + 2 * bu + o4, gg, n);
    st(sv + 3 * bu + o4, go, n);
    st(sv + 4 * bu + o4, tc, n);
  }
}

/** One row of one GRU step (resetAfter): h = z h_prev + (1 - z) tanh(x_h + r rec_h). */
@inline
function gruRow(u: i32, x: usize, z: usize, hPrev: usize, keep: f32, out: usize, sv: usize): void {
  const bu = <usize>u << 2;
  const one = f32x4.splat(1);
  for (let j = 0; j < u; j += 4) {
    const n = u - j;
    const o4 = <usize>j << 2;
    const gz = sigmoidv(f32x4.add(ld(x + o4, n), ld(z + o4, n)));
    const gr = sigmoidv(f32x4.add(ld(x + bu + o4, n), ld(z + bu + o4, n)));
    const rh = ld(z + 2 * bu + o4, n);
    const cand = tanhv(f32x4.add(ld(x + 2 * bu + o4, n), f32x4.mul(gr, rh)));
    const hp = ld(hPrev + o4, n);
    const h = f32x4.add(f32x4.mul(gz, hp), f32x4.mul(f32x4.sub(one, gz), cand));
    st(out + o4, blend(hp, h, keep), n);
    st(sv + o4, gz, n);
    st(sv + bu + o4, gr, n);
    st(sv + 2 * bu + o4, cand, n);
    st(sv + 3 * bu + o4, rh, n);
  }
}

/** One row of one SimpleRNN step: h = tanh(x + rec). */
@inline
function rnnRow(u: i32, x: usize, z: usize, hPrev: usize, keep: f32, out: usize, sv: usize): void {
  for (let j = 0; j < u; j += 4) {
    const n = u - j;
    const o4 = <usize>j << 2;
    const y = tanhv(f32x4.add(ld(x + o4, n), ld(z + o4, n)));
    st(out + o4, blend(ld(hPrev + o4, n), y, keep), n);
    st(sv + o4, y, n);
  }
}

/**
 * The forward recurrence over rows [lo, hi) of the batch, every step: rec =
 * h_{k-1} r (+ rb) into `rec` ([hi - lo, w] of this thread's scratch), then
 * the cell's gates and new states row by row.
 */
function forwardRows(cell: i32, lo: i32, hi: i32, time: i32, u: i32, backwards: i32,
  xp: usize, r: usize, rb: usize, h0: usize, c0: usize, mask: usize, states: usize, saved: usize,
  rec: usize): void {
  const w = gatesOf(cell) * u, su = (cell == LSTM ? 2 : 1) * u, vu = recurrentSavedWidth(cell) * u;
  const rows = hi - lo;
  for (let k = 0; k < time; k++) {
    const t = backwards ? time - 1 - k : k;
    // h_{k-1} of row lo and the distance between rows: the initial states, or the last step's states.
    const hFirst = k == 0 ? h0 + <usize>(lo * u) * 4 : states + <usize>((lo * time + k - 1) * su) * 4;
    const hStride = k == 0 ? u : time * su;
    if (rb) for (let i = 0; i < rows; i++) memory.copy(rec + <usize>(i * w) * 4, rb, <usize>w * 4);
    stepGemm(rows, w, u, hFirst, hStride, r, w, rec, w, rb != 0);
    for (let b = lo; b < hi; b++) {
      const hPrev = hFirst + <usize>((b - lo) * hStride) * 4;
      const x = xp + <usize>((b * time + t) * w) * 4;
      const z = rec + <usize>((b - lo) * w) * 4;
      const out = states + <usize>((b * time + k) * su) * 4;
      const sv = saved + <usize>((b * time + k) * vu) * 4;
      const keep: f32 = mask ? load<f32>(mask + <usize>(b * time + t) * 4) : 1;
      if (cell == LSTM) {
        const cPrev = k == 0 ? c0 + <usize>(b * u) * 4 : hPrev + (<usize>u << 2);
        lstmRow(u, x, z, hPrev, cPrev, keep, out, sv);
      } else if (cell == GRU) {
        gruRow(u, x, z, hPrev, keep, out, sv);
      } else {
        rnnRow(u, x, z, hPrev, keep, out, sv);
      }
    }
  }
}

/**
 * A cell's forward over the whole sequence (cell 0 LSTM, 1 GRU, 2 SimpleRNN),
 * shared by threads that all call it with the same arguments except
 * `scratch` (room for taskRows x w floats): each claims blocks of `taskRows`
 * batch rows from `counter`. c0 is 0 for the one-state cells.
 */
export function recurrentForward(cell: i32, counter: usize, taskRows: i32, batch: i32, time: i32, units: i32,
  backwards: i32, xp: usize, r: usize, rb: usize, h0: usize, c0: usize, mask: usize, states: usize,
  saved: usize, scratch: usize): void {
  const tasks = (batch + taskRows - 1) / taskRows;
  for (let task = atomic.add<i32>(counter, 1); task < tasks; task = atomic.add<i32>(counter, 1)) {
    const lo = task * taskRows;
    forwardRows(cell, lo, min(batch, lo + taskRows), time, units, backwards, xp, r, rb, h0, c0, mask, states,
      saved, scratch);
  }
}

/**
 * One row of one LSTM step backward: dh, dc hold the carried gradients and
 * get the previous states' direct ones (the part a masked row passes
 * through, and dc f); the gates' gradients go to dz.
 */
@inline
function lstmBackRow(u: i32, dOut: usize, sv: usize, cPrev: usize, keep: f32, dh: usize, dc: usize,
  dz: usize): void {
  const bu = <usize>u << 2;
  const one = f32x4.splat(1);
  for (let j = 0; j < u; j += 4) {
    const n = u - j;
    const o4 = <usize>j << 2;
    // The carried gradients plus the step's own; a masked row passes part of them to the previous state.
    const dhAll = f32x4.add(ld(dh + o4, n), ld(dOut + o4, n));
    const dcAll = f32x4.add(ld(dc + o4, n), ld(dOut + bu + o4, n));
    const dhN = kept(dhAll, keep), dcN = kept(dcAll, keep);
    const gi = ld(sv + o4, n), gf = ld(sv + bu + o4, n), gg = ld(sv + 2 * bu + o4, n);
    const go = ld(sv + 3 * bu + o4, n), tc = ld(sv + 4 * bu + o4, n);
    const dcj = f32x4.add(dcN, f32x4.mul(f32x4.mul(dhN, go), f32x4.sub(one, f32x4.mul(tc, tc))));
    const cp = ld(cPrev + o4, n);
    st(dz + o4, f32x4.mul(f32x4.mul(f32x4.mul(dcj, gg), gi), f32x4.sub(one, gi)), n);
    st(dz + bu + o4, f32x4.mul(f32x4.mul(f32x4.mul(dcj, cp), gf), f32x4.sub(one, gf)), n);
    st(dz + 2 * bu + o4, f32x4.mul(f32x4.mul(dcj, gi), f32x4.sub(one, f32x4.mul(gg, gg))), n);
    st(dz + 3 * bu + o4, f32x4.mul(f32x4.mul(f32x4.mul(dhN, tc), go), f32x4.sub(one, go)), n);
    st(dc + o4, f32x4.add(passed(dcAll, keep), f32x4.mul(dcj, gf)), n);
    st(dh + o4, passed(dhAll, keep), n);
  }
}

/** One row of one GRU step backward: dz to the projected inputs, dRec (the candidate's scaled by r) to the recurrent term. */
@inline
function gruBackRow(u: i32, dOut: usize, sv: usize, hPrev: usize, keep: f32, dh: usize, dz: usize,
  dRec: usize): void {
  const bu = <usize>u << 2;
  const one = f32x4.splat(1);
  for (let j = 0; j < u; j += 4) {
    const n = u - j;
    const o4 = <usize>j << 2;
    const dhAll = f32x4.add(ld(dh + o4, n), ld(dOut + o4, n));
    const dhN = kept(dhAll, keep);
    const gz = ld(sv + o4, n), gr = ld(sv + bu + o4, n), cand = ld(sv + 2 * bu + o4, n);
    const rh = ld(sv + 3 * bu + o4, n);
    const da = f32x4.mul(f32x4.mul(dhN, f32x4.sub(one, gz)), f32x4.sub(one, f32x4.mul(cand, cand)));
    const dzPre = f32x4.mul(f32x4.mul(f32x4.mul(dhN, f32x4.sub(ld(hPrev + o4, n), cand)), gz), f32x4.sub(one, gz));
    const drPre = f32x4.mul(f32x4.mul(f32x4.mul(da, rh), gr), f32x4.sub(one, gr));
    st(dz + o4, dzPre, n);
    st(dz + bu + o4, drPre, n);
    st(dz + 2 * bu + o4, da, n);
    st(dRec + o4, dzPre, n);
    st(dRec + bu + o4, drPre, n);
    st(dRec + 2 * bu + o4, f32x4.mul(da, gr), n);
    st(dh + o4, f32x4.add(passed(dhAll, keep), f32x4.mul(dhN, gz)), n);
  }
}

/** One row of one SimpleRNN step backward: dz = dh (1 - h^2). */
@inline
function rnnBackRow(u: i32, dOut: usize, sv: usize, keep: f32, dh: usize, dz: usize): void {
  const one = f32x4.splat(1);
  for (let j = 0; j < u; j += 4) {
    const n = u - j;
    const o4 = <usize>j << 2;
    const dhAll = f32x4.add(ld(dh + o4, n), ld(dOut + o4, n));
    const y = ld(sv + o4, n);
    st(dz + o4, f32x4.mul(kept(dhAll, keep), f32x4.sub(one, f32x4.mul(y, y))), n);
    st(dh + o4, passed(dhAll, keep), n);
  }
}

/**
 * Backpropagation through time over rows [lo, hi): from the last step to the
 * first, the carried state gradients (dh0, dc0 rows hold them, and end as
 * the initial states' gradients) plus the step's own (dStates) give the
 * gates' gradients: the projected inputs' (dxp, in input time order) and the
 * recurrent term's (dRec, the same buffer as dxp but for the GRU); then
 * dh_{k-1} += dRec rT. h_{k-1} of each step goes to hPrev [batch, time, u]
 * (input time order), so that the recurrent kernel's gradient is one product
 * hPrevᵀ dRec afterwards.
 */
function backwardRows(cell: i32, lo: i32, hi: i32, time: i32, u: i32, backwards: i32,
  dStates: usize, states: usize, saved: usize, rT: usize, h0: usize, c0: usize, mask: usize,
  dxp: usize, dRec: usize, dh0: usize, dc0: usize, hPrevOut: usize): void {
  const w = gatesOf(cell) * u, su = (cell == LSTM ? 2 : 1) * u, vu = recurrentSavedWidth(cell) * u;
  const rows = hi - lo;
  const dhFirst = dh0 + <usize>(lo * u) * 4;
  memory.fill(dhFirst, 0, <usize>(rows * u) * 4);
  if (cell == LSTM) memory.fill(dc0 + <usize>(lo * u) * 4, 0, <usize>(rows * u) * 4);
  for (let k = time - 1; k >= 0; k--) {
    const t = backwards ? time - 1 - k : k;
    for (let b = lo; b < hi; b++) {
      const hPrev = k == 0 ? h0 + <usize>(b * u) * 4 : states + <usize>((b * time + k - 1) * su) * 4;
      const dOut = dStates + <usize>((b * time + k) * su) * 4;
      const sv = saved + <usize>((b * time + k) * vu) * 4;
      const dz = dxp + <usize>((b * time + t) * w) * 4;
      const dh = dh0 + <usize>(b * u) * 4;
      const keep: f32 = mask ? load<f32>(mask + <usize>(b * time + t) * 4) : 1;
      if (cell == LSTM) {
        const cPrev = k == 0 ? c0 + <usize>(b * u) * 4 : hPrev + (<usize>u << 2);
        lstmBackRow(u, dOut, sv, cPrev, keep, dh, dc0 + <usize>(b * u) * 4, dz);
      } else if (cell == GRU) {
        gruBackRow(u, dOut, sv, hPrev, keep, dh, dz, dRec + <usize>((b * time + t) * w) * 4);
      } else {
        rnnBackRow(u, dOut, sv, keep, dh, dz);
      }
      memory.copy(hPrevOut + <usize>((b * time + t) * u) * 4, hPrev, <usize>u * 4);
    }
    // dh_{k-1} += dRec rT for every row of the block at once.
    stepGemm(rows, u, w, dRec + <usize>((lo * time + t) * w) * 4, time * w, rT, u, dhFirst, u, true);
  }
}

/** A cell's backpropagation through time, shared among threads as recurrentForward is. */
export function recurrentBackward(cell: i32, counter: usize, taskRows: i32, batch: i32, time: i32, units: i32,
  backwards: i32, dStates: usize, states: usize, saved: usize, rT: usize, h0: usize, c0: usize, mask: usize,
  dxp: usize, dRec: usize, dh0: usize, dc0: usize, hPrev: usize): void {
  const tasks = (batch + taskRows - 1) / taskRows;
  for (let task = atomic.add<i32>(counter, 1); task < tasks; task = atomic.add<i32>(counter, 1)) {
    const lo = task * taskRows;
    backwardRows(cell, lo, min(batch, lo + taskRows), time, units, backwards, dStates, states, saved, rT, h0, c0,
      mask, dxp, dRec, dh0, dc0, hPrev);
  }
}
