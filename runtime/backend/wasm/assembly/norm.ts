// LayerNormalization over rows of d contiguous float32 values, forward and
// backward, in one pass a row where the op layer composes about a dozen ops.
// Each value is the float32 result of the composed ops on the wasm backend,
// bit for bit: separate f32 multiplies and adds (no fused multiply-add), the
// same operation order, and row sums in reduce.ts's reduceRow order (four lane
// partial sums, combined (l0 + l1) + (l2 + l3), then the tail one by one).

@inline function lanes(acc: v128): f32 {
  return (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
    (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
}

/**
 * For each of `rows` rows of x [rows, d]: m = sum(x) / d, c = x - m (to `centered`),
 * sd = sqrt(sum(c * c) / d + eps) (to `std`), y0 = c / sd (to `normalized`),
 * y = y0 * gamma + beta (to y; gamma, beta [d], 0 when absent: then y holds y0 * gamma or y0).
 */
export function layerNormForward(x: usize, gamma: usize, beta: usize, y: usize, centered: usize,
  normalized: usize, std: usize, rows: i32, d: i32, eps: f32): void {
  const df = <f32>d;
  const d4 = d & ~3;
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * d) << 2;
    const xr = x + off, cr = centered + off, nr = normalized + off, yr = y + off;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < d4; j += 4) acc = f32x4.add(acc, v128.load(xr + (<usize>j << 2)));
    let s1 = lanes(acc);
    for (; j < d; j++) s1 += load<f32>(xr + (<usize>j << 2));
    const m = s1 / df;
    const vm = f32x4.splat(m);
    acc = f32x4.splat(0);
    for (j = 0; j < d4; j += 4) {
      const o = <usize>j << 2;
      const c = f32x4.sub(v128.load(xr + o), vm);
      v128.store(cr + o, c);
      acc = f32x4.add(acc, f32x4.mul(c, c));
    }
    let s2 = lanes(acc);
    for (; j < d; j++) {
      const o = <usize>j << 2;
      const c = load<f32>(xr + o) - m;
      store<f32>(cr + o, c);
      s2 += c * c;
    }
    const sd = sqrt<f32>(s2 / df + eps);
    store<f32>(std + (<usize>r << 2), sd);
    const vs = f32x4.splat(sd);
    for (j = 0; j < d4; j += 4) {
      const o = <usize>j << 2;
      const y0 = f32x4.div(v128.load(cr + o), vs);
      v128.store(nr + o, y0);
      let v = y0;
      if (gamma) v = f32x4.mul(v, v128.load(gamma + o));
      if (beta) v = f32x4.add(v, v128.load(beta + o));
      v128.store(yr + o, v);
    }
    for (; j < d; j++) {
      const o = <usize>j << 2;
      const y0 = load<f32>(cr + o) / sd;
      store<f32>(nr + o, y0);
      let v = y0;
      if (gamma) v = v * load<f32>(gamma + o);
      if (beta) v = v + load<f32>(beta + o);
      store<f32>(yr + o, v);
    }
  }
}

/**
 * The input's gradient from the forward's `centered`, `normalized` and `std` and the output's
 * gradient dy, in the composed ops' two parts (autograd adds them to the input's gradient in
 * turn, as it adds the composed graph's): dc [rows, d], the centered values' gradient
 * (dy0 / sd + ds2 * (c * 2) with dy0 = dy * gamma, ds2 = (sum(-(dy0 * (y0 / sd))) / (sd * 2)) / d),
 * and dSum [rows], the row sum's gradient sum(-dc) / d.
 */
export function layerNormBackward(dy: usize, gamma: usize, centered: usize, normalized: usize, std: usize,
  dc: usize, dSum: usize, rows: i32, d: i32): void {
  const df = <f32>d;
  const d4 = d & ~3;
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * d) << 2;
    const dyr = dy + off, cr = centered + off, nr = normalized + off, dcr = dc + off;
    const sd = load<f32>(std + (<usize>r << 2));
    const vs = f32x4.splat(sd);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      let g = v128.load(dyr + o);
      if (gamma) g = f32x4.mul(g, v128.load(gamma + o));
      acc = f32x4.add(acc, f32x4.neg(f32x4.mul(g, f32x4.div(v128.load(nr + o), vs))));
    }
    let ds = lanes(acc);
    for (; j < d; j++) {
      const o = <usize>j << 2;
      let g = load<f32>(dyr + o);
      if (gamma) g = g * load<f32>(gamma + o);
      ds += -(g * (load<f32>(nr + o) / sd));
    }
    const ds2 = (ds / (sd * 2)) / df;
    const vds2 = f32x4.splat(ds2);
    const two = f32x4.splat(2);
    acc = f32x4.splat(0);
    for (j = 0; j < d4; j += 4) {
      const o = <usize>j << 2;
      let g = v128.load(dyr + o);
      if (gamma) g = f32x4.mul(g, v128.load(gamma + o));
      const v = f32x4.add(f32x4.div(g, vs), f32x4.mul(vds2, f32x4.mul(v128.load(cr + o), two)));
      v128.store(dcr + o, v);
      acc = f32x4.add(acc, f32x4.neg(v));
    }
    let dm = lanes(acc);
    for (; j < d; j++) {
      const o = <usize>j << 2;
      let g = load<f32>(dyr + o);
      if (gamma) g = g * load<f32>(gamma + o);
      const v = g / sd + ds2 * (load<f32>(cr + o) * 2);
      store<f32>(dcr + o, v);
      dm += -v;
    }
    store<f32>(dSum + (<usize>r << 2), dm / df);
  }
}

/**
 * Softmax's input gradient over rows of d values from its output y and the output's gradient dy,
 * as the composed ops give it: dx = y * (dy - sum(dy * y)).
 */
export function softmaxBackward(dy: usize, y: usize, dx: usize, rows: i32, d: i32): void {
  const d4 = d & ~3;
  for (let r = 0; r < rows; r++) {
    const off = <usize>(r * d) << 2;
    const dyr = dy + off, yr = y + off, dxr = dx + off;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < d4; j += 4) {
      const o = <usize>j << 2;
      acc = f32x4.add(acc, f32x4.mul(v128.load(dyr + o), v128.load(yr + o)));
    }
    let s = lanes(acc);
    for (; j < d; j++) {
      const o = <usize>j << 2;
      s += load<f32>(dyr + o) * load<f32>(yr + o);
    }
    const vs = f32x4.splat(s);
    for (j = 0; j < d4; j += 4) {
      const o = <usize>j << 2;
      v128.store(dxr + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(dyr + o), vs)));
    }
    for (; j < d; j++) {
      const o = <usize>j << 2;
      store<f32>(dxr + o, load<f32>(yr + o) * (load<f32>(dyr + o) - s));
    }
  }
}
