// Elementwise kernels with SIMD inner loops. Binary ops take a broadcast
// already collapsed by the JS side to at most three output dimensions
// [n0, n1, n2] with per-operand element strides; the innermost stride of each
// operand is 1 (contiguous) or 0 (broadcast), which selects a vector loop.

// Op selectors, constant at each call site of the inlined loops below.
const U_NEG = 0, U_ABS = 1, U_SQRT = 2, U_SQUARE = 3, U_RECIPROCAL = 4, U_RELU = 5, U_LEAKY_RELU = 6, U_FLOOR = 7, U_CEIL = 8;
const B_ADD = 0, B_SUB = 1, B_MUL = 2, B_DIV = 3, B_MAX = 4, B_MIN = 5, B_EQ = 6, B_NE = 7, B_LT = 8, B_LE = 9, B_GT = 10, B_GE = 11;

// One exported function per op (the JS side picks `unaryRelu`, `binaryAdd`,
// ...), each its own loop. A single entry switching on the op was slower:
// binaryen's code folding merged the cases' identical tails back into one
// loop that tested the op on every vector (2x slower for relu).

/** y[i] = op(x[i]) for i < n; alpha is leakyRelu's slope. */
export function unaryNeg(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_NEG, x, y, n, alpha); }
export function unaryAbs(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_ABS, x, y, n, alpha); }
export function unarySqrt(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_SQRT, x, y, n, alpha); }
export function unarySquare(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_SQUARE, x, y, n, alpha); }
export function unaryReciprocal(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_RECIPROCAL, x, y, n, alpha); }
export function unaryRelu(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_RELU, x, y, n, alpha); }
export function unaryLeakyRelu(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_LEAKY_RELU, x, y, n, alpha); }
export function unaryFloor(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_FLOOR, x, y, n, alpha); }
export function unaryCeil(x: usize, y: usize, n: i32, alpha: f32): void { unaryLoop(U_CEIL, x, y, n, alpha); }

/** out[i0, i1, i2] = op(a[i0*sa0 + i1*sa1 + i2*sa2], b[...]) with sa2, sb2 in {0, 1}. */
export function binaryAdd(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_ADD, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binarySub(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_SUB, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryMul(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_MUL, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryDiv(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_DIV, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryMaximum(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_MAX, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryMinimum(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_MIN, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryEq(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_EQ, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryNe(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_NE, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryLt(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_LT, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryLe(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_LE, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryGt(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_GT, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}
export function binaryGe(a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  binaryLoop(B_GE, a, sa0, sa1, sa2, b, sb0, sb1, sb2, out, n0, n1, n2);
}

// `op` is a constant at every call site, so after inlining the optimiser folds
// the op selection out of the loop and each case gets its own tight loop.
@inline function unaryLoop(op: i32, x: usize, y: usize, n: i32, alpha: f32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, unaryV(op, v128.load(x + o), alpha));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, unaryS(op, load<f32>(x + o), alpha));
  }
}

@inline function unaryV(op: i32, v: v128, alpha: f32): v128 {
  if (op == U_NEG) return f32x4.neg(v);
  if (op == U_ABS) return f32x4.abs(v);
  if (op == U_SQRT) return f32x4.sqrt(v);
  if (op == U_SQUARE) return f32x4.mul(v, v);
  if (op == U_RECIPROCAL) return f32x4.div(f32x4.splat(1), v);
  if (op == U_RELU) return f32x4.max(v, f32x4.splat(0));
  if (op == U_LEAKY_RELU) return v128.bitselect(v, f32x4.mul(v, f32x4.splat(alpha)), f32x4.ge(v, f32x4.splat(0)));
  if (op == U_FLOOR) return f32x4.floor(v);
  return f32x4.ceil(v);
}

@inline function unaryS(op: i32, v: f32, alpha: f32): f32 {
  if (op == U_NEG) return -v;
  if (op == U_ABS) return abs(v);
  if (op == U_SQRT) return sqrt(v);
  if (op == U_SQUARE) return v * v;
  if (op == U_RECIPROCAL) return <f32>1 / v;
  if (op == U_RELU) return max(v, <f32>0);
  if (op == U_LEAKY_RELU) return v >= 0 ? v : v * alpha;
  if (op == U_FLOOR) return floor(v);
  return ceil(v);
}

@inline function binaryLoop(op: i32, a: usize, sa0: i32, sa1: i32, sa2: i32, b: usize, sb0: i32, sb1: i32, sb2: i32,
  out: usize, n0: i32, n1: i32, n2: i32): void {
  let o = out;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      const pa = a + (<usize>(i0 * sa0 + i1 * sa1) << 2);
      const pb = b + (<usize>(i0 * sb0 + i1 * sb1) << 2);
      if (sa2 == 1 && sb2 == 1) binaryRow(op, pa, pb, o, n2, true, true);
      else if (sa2 == 1) binaryRow(op, pa, pb, o, n2, true, false);
      else if (sb2 == 1) binaryRow(op, pa, pb, o, n2, false, true);
      else binaryRow(op, pa, pb, o, n2, false, false);
      o += <usize>n2 << 2;
    }
  }
}

@inline function binaryRow(op: i32, a: usize, b: usize, out: usize, n: i32, aVec: bool, bVec: bool): void {
  const as = v128.load32_splat(a);
  const bs = v128.load32_splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, binaryV(op, aVec ? v128.load(a + o) : as, bVec ? v128.load(b + o) : bs));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, binaryS(op, load<f32>(aVec ? a + o : a), load<f32>(bVec ? b + o : b)));
  }
}

@inline function binaryV(op: i32, x: v128, y: v128): v128 {
  if (op == B_ADD) return f32x4.add(x, y);
  if (op == B_SUB) return f32x4.sub(x, y);
  if (op == B_MUL) return f32x4.mul(x, y);
  if (op == B_DIV) return f32x4.div(x, y);
  if (op == B_MAX) return f32x4.max(x, y);
  if (op == B_MIN) return f32x4.min(x, y);
  const one = f32x4.splat(1);
  if (op == B_EQ) return v128.and(f32x4.eq(x, y), one);
  if (op == B_NE) return v128.and(f32x4.ne(x, y), one);
  if (op == B_LT) return v128.and(f32x4.lt(x, y), one);
  if (op == B_LE) return v128.and(f32x4.le(x, y), one);
  if (op == B_GT) return v128.and(f32x4.gt(x, y), one);
  return v128.and(f32x4.ge(x, y), one);
}

@inline function binaryS(op: i32, x: f32, y: f32): f32 {
  if (op == B_ADD) return x + y;
  if (op == B_SUB) return x - y;
  if (op == B_MUL) return x * y;
  if (op == B_DIV) return x / y;
  if (op == B_MAX) return max(x, y);
  if (op == B_MIN) return min(x, y);
  if (op == B_EQ) return <f32>(x == y);
  if (op == B_NE) return <f32>(x != y);
  if (op == B_LT) return <f32>(x < y);
  if (op == B_LE) return <f32>(x <= y);
  if (op == B_GT) return <f32>(x > y);
  return <f32>(x >= y);
}

/**
 * out[i0, i1, i2] = cond[...] != 0 ? a[...] : b[...], each operand with its
 * own element strides (broadcast collapsed by the JS side). Scalar: `where`
 * is rare in training (gradients of leakyRelu, elu, maximum).
 */
export function where(c: usize, sc0: i32, sc1: i32, sc2: i32, a: usize, sa0: i32, sa1: i32, sa2: i32,
  b: usize, sb0: i32, sb1: i32, sb2: i32, out: usize, n0: i32, n1: i32, n2: i32): void {
  let o = out;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      let pc = c + (<usize>(i0 * sc0 + i1 * sc1) << 2);
      let pa = a + (<usize>(i0 * sa0 + i1 * sa1) << 2);
      let pb = b + (<usize>(i0 * sb0 + i1 * sb1) << 2);
      for (let i2 = 0; i2 < n2; i2++) {
        store<f32>(o, load<f32>(pc) != 0 ? load<f32>(pa) : load<f32>(pb));
        pc += <usize>sc2 << 2;
        pa += <usize>sa2 << 2;
        pb += <usize>sb2 << 2;
        o += 4;
      }
    }
  }
}
