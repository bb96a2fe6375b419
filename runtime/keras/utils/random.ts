/**
 * The random source of keras weight initialisation, dropout masks and
 * shuffling: one seedable generator so `keras.utils.setRandomSeed(n)` makes a
 * whole training run repeatable.
 */

let state = (Date.now() ^ (process.pid << 16)) >>> 0;

/** Makes every later initialisation, dropout mask and shuffle repeatable (as keras.utils.set_random_seed). */
export function setRandomSeed(seed: number): void {
  state = seed >>> 0;
}

/** Uniform in [0, 1): mulberry32, small and good enough for initialisation and shuffling. */
export function randomUniform01(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Standard normal sample (Box-Muller). */
export function randomNormal(): number {
  let u = 0;
  while (u === 0) u = randomUniform01();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * randomUniform01());
}

/** A random permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(randomUniform01() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
