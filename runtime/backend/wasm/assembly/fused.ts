// Fused kernels for the optimizer step and dropout: one pass where the op
// layer would make several (and allocate a tensor for each). Each computes
// exactly the float32 operations of the unfused ops, in the same order, so
// either path gives the same bits.

/**
 * Adam's step over n float32 values: m and v are updated in place
 * (m += (g - m) * c1, v += (g * g - v) * c2) and w - m * alpha / (sqrt(v) + eps)
 * goes to wOut; c1 = 1 - beta1, c2 = 1 - beta2, alpha the bias-corrected step.
 */
export function adamStep(w: usize, g: usize, m: usize, v: usize, wOut: usize, n: i32,
  c1: f32, c2: f32, alpha: f32, eps: f32): void {
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), va = f32x4.splat(alpha), ve = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(v128.load(m + o), f32x4.mul(f32x4.sub(gi, v128.load(m + o)), vc1));
    const vi = f32x4.add(v128.load(v + o), f32x4.mul(f32x4.sub(f32x4.mul(gi, gi), v128.load(v + o)), vc2));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const step = f32x4.div(f32x4.mul(mi, va), f32x4.add(f32x4.sqrt(vi), ve));
    v128.store(wOut + o, f32x4.sub(v128.load(w + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o) + (gi - load<f32>(m + o)) * c1;
    const vi = load<f32>(v + o) + (gi * gi - load<f32>(v + o)) * c2;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(wOut + o, load<f32>(w + o) - (mi * alpha) / (sqrt<f32>(vi) + eps));
  }
}

/**
 * Dropout's mask over n float32 values from the runtime's xoshiro128**
 * generator (runtime/random.ts), whose four state words are at `state` and
 * are advanced in place: each value draws u = (next >>> 8) / 2^24, exactly
 * as uniformArray does, and is 1 / keep where u < keep, else 0.
 */
export function dropoutMask(state: usize, out: usize, n: i32, keep: f32): void {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const scale: f32 = <f32>1 / keep;
  // u < keep, compared without the division: r = next >>> 8 is below 2^24, so <f32>r is exact and
  // r / 2^24 < keep exactly when r < keep * 2^24 (scaling by a power of two is exact too); the signed
  // conversion gives the same value as the unsigned one for r < 2^31 and is one instruction.
  const bound: f32 = keep * <f32>16777216;
  const scaleBits = reinterpret<u32>(scale);
  for (let i = 0; i < n; i++) {
    const result = rotl<u32>(s1 * 5, 7) * 9;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
    // Branch-free: with keep near 1/2 a branch here is mispredicted every other value. The mask is all
    // ones or zero, so the stored bits are scale's or +0.
    const kept = <u32>(<f32>(<i32>(result >>> 8)) < bound);
    store<u32>(out + (<usize>i << 2), (0 - kept) & scaleBits);
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

/** out[r, c] = max(x[r, c] + bias[c], 0) for r < rows, c < channels: a layer's bias and relu in one pass. */
export function biasRelu(x: usize, bias: usize, out: usize, rows: i32, channels: i32): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = <usize>(r * channels) << 2;
    let c = 0;
    for (; c + 4 <= channels; c += 4) {
      const o = row + (<usize>c << 2);
      v128.store(out + o, f32x4.max(f32x4.add(v128.load(x + o), v128.load(bias + (<usize>c << 2))), zero));
    }
    for (; c < channels; c++) {
      const o = row + (<usize>c << 2);
      store<f32>(out + o, max(load<f32>(x + o) + load<f32>(bias + (<usize>c << 2)), <f32>0));
    }
  }
}

/** out[i] = dy[i] * (x[i] > 0 ? 1 : 0): relu's gradient, as the composed mul(dy, gt(x, 0)) computes it. */
export function reluBackward(dy: usize, x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(dy + o), v128.and(f32x4.gt(v128.load(x + o), zero), one)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(dy + o) * (load<f32>(x + o) > 0 ? <f32>1 : <f32>0));
  }
}
