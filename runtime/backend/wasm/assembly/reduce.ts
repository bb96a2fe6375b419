// Reductions over the middle axis of an [outer, r, inner] view:
// out[o, i] = op over j < r of x[(o*r + j)*inner + i]. The JS side collapses
// any contiguous block of reduced axes into this form.

const R_SUM = 0, R_PROD = 1, R_MAX = 2, R_MIN = 3;

// One exported entry per op, for the reason given in elementwise.ts.
export function reduceSum(x: usize, out: usize, outer: i32, r: i32, inner: i32): void { reduceLoop(R_SUM, x, out, outer, r, inner); }
export function reduceProd(x: usize, out: usize, outer: i32, r: i32, inner: i32): void { reduceLoop(R_PROD, x, out, outer, r, inner); }
export function reduceMax(x: usize, out: usize, outer: i32, r: i32, inner: i32): void { reduceLoop(R_MAX, x, out, outer, r, inner); }
export function reduceMin(x: usize, out: usize, outer: i32, r: i32, inner: i32): void { reduceLoop(R_MIN, x, out, outer, r, inner); }

@inline function reduceLoop(op: i32, x: usize, out: usize, outer: i32, r: i32, inner: i32): void {
  for (let o = 0; o < outer; o++) {
    const base = x + (<usize>(o * r * inner) << 2);
    const dst = out + (<usize>(o * inner) << 2);
    if (inner == 1) store<f32>(dst, reduceRow(op, base, r));
    else reduceColumns(op, base, dst, r, inner);
  }
}

// One contiguous run of r values, four partial results in a vector, combined at the end.
@inline function reduceRow(op: i32, x: usize, r: i32): f32 {
  let acc = f32x4.splat(identity(op));
  let j = 0;
  for (; j + 4 <= r; j += 4) acc = combineV(op, acc, v128.load(x + (<usize>j << 2)));
  let s = combineS(op, combineS(op, f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)),
    combineS(op, f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  for (; j < r; j++) s = combineS(op, s, load<f32>(x + (<usize>j << 2)));
  return s;
}

// inner > 1: reduce r rows of `inner` contiguous values into one row. The
// result row is accumulated in place (it stays in L1) while x is read once,
// front to back; a loop per column group would stride through x many times.
@inline function reduceColumns(op: i32, x: usize, dst: usize, r: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  const id = identity(op);
  for (let i = 0; i < inner; i++) store<f32>(dst + (<usize>i << 2), id);
  for (let j = 0; j < r; j++) {
    const row = x + <usize>j * rowBytes;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, combineV(op, v128.load(dst + o), v128.load(row + o)));
    }
    for (; i < inner; i++) {
      const o = <usize>i << 2;
      store<f32>(dst + o, combineS(op, load<f32>(dst + o), load<f32>(row + o)));
    }
  }
}

@inline function identity(op: i32): f32 {
  if (op == R_SUM) return 0;
  if (op == R_PROD) return 1;
  if (op == R_MAX) return -Infinity;
  return Infinity;
}

@inline function combineV(op: i32, a: v128, b: v128): v128 {
  if (op == R_SUM) return f32x4.add(a, b);
  if (op == R_PROD) return f32x4.mul(a, b);
  if (op == R_MAX) return f32x4.max(a, b);
  return f32x4.min(a, b);
}

@inline function combineS(op: i32, a: f32, b: f32): f32 {
  if (op == R_SUM) return a + b;
  if (op == R_PROD) return a * b;
  if (op == R_MAX) return max(a, b);
  return min(a, b);
}
