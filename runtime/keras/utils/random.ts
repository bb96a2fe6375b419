/**
 * Keras's random draws (initialisation, shuffling) come from the runtime's
 * one seeded generator, so `nn.seed(n)` (also `keras.utils.setRandomSeed(n)`)
 * makes a whole training run repeatable.
 */
import { nextUniform, seed } from "../../random";

/** Makes every later initialisation, dropout mask and shuffle repeatable (as keras.utils.set_random_seed). */
export function setRandomSeed(n: number): void {
  seed(n);
}

/** Uniform in [0, 1). */
export function randomUniform01(): number {
  return nextUniform();
}

/** Standard normal sample (Box-Muller). */
export function randomNormal(): number {
  return Math.sqrt(-2 * Math.log(1 - nextUniform())) * Math.cos(2 * Math.PI * nextUniform());
}

/** A random permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(nextUniform() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
