// 2-D max and average pooling over NHWC, forward and backward, vectorised
// across channels. Entries take an image range [b0, b1) for thread splitting.

// Geometry block (i32 words), written by the JS side.
const IN_H = 1, IN_W = 2, CH = 3, OUT_H = 4, OUT_W = 5;
const WIN_H = 6, WIN_W = 7, S_H = 8, S_W = 9, PAD_T = 10, PAD_L = 11;

@inline function geo(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** y = max over each window; padded taps are skipped; an empty window gives 0. */
export function maxPool2dForward(g: usize, x: usize, y: usize, b0: i32, b1: i32): void {
  eachWindow(MAX, g, x, y, 0, b0, b1);
}

/** y = average over each window's in-bounds taps; an empty window gives 0. */
export function avgPool2dForward(g: usize, x: usize, y: usize, b0: i32, b1: i32): void {
  eachWindow(AVG, g, x, y, 0, b0, b1);
}

/** dx[b0:b1] = gradient of max pooling: each dy goes to its window's first maximal tap. */
export function maxPool2dBackward(g: usize, dy: usize, x: usize, dx: usize, b0: i32, b1: i32): void {
  eachWindow(MAX_GRAD, g, x, dy, dx, b0, b1);
}

/** dx[b0:b1] = gradient of average pooling: each dy spread evenly over its window's in-bounds taps. */
export function avgPool2dBackward(g: usize, dy: usize, dx: usize, b0: i32, b1: i32): void {
  eachWindow(AVG_GRAD, g, 0, dy, dx, b0, b1);
}

const MAX = 0, AVG = 1, MAX_GRAD = 2, AVG_GRAD = 3;

// Visits the output windows of images [b0, b1) in order; `perWindow` is y
// (forward) or dy (gradients), ch floats a window. `mode` is a constant at
// each call site, and each entry is its own export, so every entry gets its
// own specialised loop (see elementwise.ts on why not one switching entry).
@inline function eachWindow(mode: i32, g: usize, x: usize, perWindow: usize, dx: usize, b0: i32, b1: i32): void {
  const inH = geo(g, IN_H), inW = geo(g, IN_W), ch = geo(g, CH), outH = geo(g, OUT_H), outW = geo(g, OUT_W);
  const wh = geo(g, WIN_H), ww = geo(g, WIN_W), sh = geo(g, S_H), sw = geo(g, S_W), pt = geo(g, PAD_T), pl = geo(g, PAD_L);
  const windowBytes = <usize>ch << 2;
  if (mode >= MAX_GRAD) {
    const image = inH * inW * ch;
    memory.fill(dx + (<usize>(b0 * image) << 2), 0, <usize>((b1 - b0) * image) << 2);
  }
  let w = perWindow + <usize>(b0 * outH * outW) * windowBytes;
  for (let b = b0; b < b1; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = max(0, oy * sh - pt), y1 = min(inH, oy * sh - pt + wh);
      for (let ox = 0; ox < outW; ox++) {
        const x0 = max(0, ox * sw - pl), x1 = min(inW, ox * sw - pl + ww);
        const rows = y1 - y0, cols = x1 - x0;
        const offset = <usize>(((b * inH + y0) * inW + x0) * ch) << 2;
        if (rows <= 0 || cols <= 0) {
          if (mode < MAX_GRAD) memory.fill(w, 0, windowBytes);
        } else if (mode == MAX) {
          maxWindow(x + offset, w, ch, rows, cols, inW);
        } else if (mode == AVG) {
          avgWindow(x + offset, w, ch, rows, cols, inW, <f32>1 / <f32>(rows * cols));
        } else if (mode == MAX_GRAD) {
          routeToMax(x + offset, dx + offset, w, ch, rows, cols, inW);
        } else {
          for (let i = 0; i < rows; i++) {
            for (let j = 0; j < cols; j++) {
              axpy(dx + offset + (<usize>((i * inW + j) * ch) << 2), w, ch, <f32>1 / <f32>(rows * cols));
            }
          }
        }
        w += windowBytes;
      }
    }
  }
}

// NaN wins, as in the reference: f32x4.max and f32.max both propagate it.
@inline function maxWindow(first: usize, out: usize, ch: i32, rows: i32, cols: i32, inW: i32): void {
  const rowStep = <usize>(inW * ch) << 2;
  const pixel = <usize>ch << 2;
  let c = 0;
  // 2x2 windows (the common case) straight-line: the generic tap loops cost more than the maxima.
  if (rows == 2 && cols == 2) {
    for (; c + 4 <= ch; c += 4) {
      const p = first + (<usize>c << 2);
      const top = f32x4.max(v128.load(p), v128.load(p + pixel));
      v128.store(out + (<usize>c << 2), f32x4.max(top, f32x4.max(v128.load(p + rowStep), v128.load(p + rowStep + pixel))));
    }
  }
  for (; c + 4 <= ch; c += 4) {
    const o = <usize>c << 2;
    let acc = f32x4.splat(-Infinity);
    for (let i = 0; i < rows; i++) {
      let p = first + <usize>i * rowStep + o;
      for (let j = 0; j < cols; j++) {
        acc = f32x4.max(acc, v128.load(p));
        p += <usize>ch << 2;
      }
    }
    v128.store(out + o, acc);
  }
  for (; c < ch; c++) {
    let acc: f32 = -Infinity;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) acc = max(acc, load<f32>(first + <usize>i * rowStep + (<usize>(j * ch + c) << 2)));
    }
    store<f32>(out + (<usize>c << 2), acc);
  }
}

@inline function avgWindow(first: usize, out: usize, ch: i32, rows: i32, cols: i32, inW: i32, scale: f32): void {
  const rowStep = <usize>(inW * ch) << 2;
  let c = 0;
  for (; c + 4 <= ch; c += 4) {
    const o = <usize>c << 2;
    let acc = f32x4.splat(0);
    for (let i = 0; i < rows; i++) {
      let p = first + <usize>i * rowStep + o;
      for (let j = 0; j < cols; j++) {
        acc = f32x4.add(acc, v128.load(p));
        p += <usize>ch << 2;
      }
    }
    v128.store(out + o, f32x4.mul(acc, f32x4.splat(scale)));
  }
  for (; c < ch; c++) {
    let acc: f32 = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) acc += load<f32>(first + <usize>i * rowStep + (<usize>(j * ch + c) << 2));
    }
    store<f32>(out + (<usize>c << 2), acc * scale);
  }
}

// Per channel, finds the first tap (row-major) holding the window's maximum
// and adds grad there. Comparisons with NaN are false, so a NaN tap never
// takes over (the reference's rule). Four channels at a time: the winning tap
// index is tracked per lane.
function routeToMax(x: usize, dx: usize, grad: usize, ch: i32, rows: i32, cols: i32, inW: i32): void {
  const rowStep = <usize>(inW * ch) << 2;
  const pixel = <usize>ch << 2;
  let c = 0;
  if (rows == 2 && cols == 2) {
    for (; c + 4 <= ch; c += 4) routeToMax2x2(x + (<usize>c << 2), dx + (<usize>c << 2), v128.load(grad + (<usize>c << 2)), pixel, rowStep);
  }
  for (; c + 4 <= ch; c += 4) {
    const o = <usize>c << 2;
    let best = v128.load(x + o);
    let bestTap = i32x4.splat(0);
    let tap = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = v128.load(x + <usize>i * rowStep + <usize>j * pixel + o);
        const wins = f32x4.gt(v, best);
        best = v128.bitselect(v, best, wins);
        bestTap = v128.bitselect(i32x4.splat(tap), bestTap, wins);
        tap++;
      }
    }
    const g = v128.load(grad + o);
    tap = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const p = dx + <usize>i * rowStep + <usize>j * pixel + o;
        v128.store(p, f32x4.add(v128.load(p), v128.and(g, i32x4.eq(bestTap, i32x4.splat(tap)))));
        tap++;
      }
    }
  }
  for (; c < ch; c++) {
    const o = <usize>c << 2;
    let best: f32 = load<f32>(x + o);
    let bestAt: usize = o;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const at = <usize>i * rowStep + <usize>j * pixel + o;
        const v = load<f32>(x + at);
        if (v > best) {
          best = v;
          bestAt = at;
        }
      }
    }
    store<f32>(dx + bestAt, load<f32>(dx + bestAt) + load<f32>(grad + o));
  }
}

// routeToMax for four channels of a 2x2 window, straight-line: lane masks say
// which tap is the first maximum (a later tap wins only when strictly greater).
@inline function routeToMax2x2(x: usize, dx: usize, g: v128, pixel: usize, rowStep: usize): void {
  const v0 = v128.load(x), v1 = v128.load(x + pixel);
  const v2 = v128.load(x + rowStep), v3 = v128.load(x + rowStep + pixel);
  const m1 = f32x4.gt(v1, v0);
  let best = v128.bitselect(v1, v0, m1);
  const m2 = f32x4.gt(v2, best);
  best = v128.bitselect(v2, best, m2);
  const m3 = f32x4.gt(v3, best);
  const t2 = v128.andnot(m2, m3);
  const t1 = v128.andnot(v128.andnot(m1, m2), m3);
  const t0 = v128.not(v128.or(m1, v128.or(m2, m3)));
  addMasked(dx, g, t0);
  addMasked(dx + pixel, g, t1);
  addMasked(dx + rowStep, g, t2);
  addMasked(dx + rowStep + pixel, g, m3);
}

@inline function addMasked(p: usize, g: v128, mask: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v128.and(g, mask)));
}

@inline function axpy(dst: usize, src: usize, n: i32, scale: f32): void {
  const vs = f32x4.splat(scale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), f32x4.mul(v128.load(src + o), vs)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o) * scale);
  }
}
