/**
 * The runtime's random numbers: one seeded generator (xoshiro128**, seeded
 * through splitmix32) so that `nn.seed(n)` makes every later draw (weights,
 * dropout masks, shuffles) repeat exactly from run to run. Before any
 * `nn.seed` call the seed comes from the operating system, as in NumPy and PyTorch.
 */
import { randomBytes } from "node:crypto";

const state = new Uint32Array(4);
seed(randomBytes(4).readUInt32LE(0));

/** Restarts the generator from `n` (any integer; only its low 32 bits count). */
export function seed(n: number): void {
  if (!Number.isFinite(n)) throw new Error(`nn.seed: expected an integer seed, got ${n}`);
  let s = Math.trunc(n) >>> 0;
  for (let i = 0; i < 4; i++) {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    state[i] = (z ^ (z >>> 16)) >>> 0;
  }
}

/**
 * The generator's four state words, live: a backend's fused dropout mask
 * (Backend.dropoutMask) draws from them and writes them back advanced, so
 * later draws continue exactly as if the mask had come from uniformArray.
 */
export function generatorState(): Uint32Array {
  return state;
}

/** The next 32 random bits. */
function nextUint32(): number {
  const [s0, s1, s2, s3] = state;
  const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
  const t = (s1 << 9) >>> 0;
  state[2] = s2 ^ s0;
  state[3] = s3 ^ s1;
  state[1] = s1 ^ state[2];
  state[0] = s0 ^ state[3];
  state[2] ^= t;
  state[3] = rotl(state[3], 11);
  return result;
}

/** A uniform float in [0, 1) with 24 random bits (exact in float32). */
export function nextUniform(): number {
  return (nextUint32() >>> 8) / 16777216;
}

/** `n` uniform floats in [low, high). */
export function uniformArray(n: number, low: number, high: number): Float32Array {
  const out = new Float32Array(n);
  const span = high - low;
  for (let i = 0; i < n; i++) out[i] = low + span * nextUniform();
  return out;
}

/** `n` normal floats with the given mean and standard deviation (Box-Muller, both values of each pair used). */
export function normalArray(n: number, mean: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - nextUniform()));
    const angle = 2 * Math.PI * nextUniform();
    out[i] = mean + std * radius * Math.cos(angle);
    if (i + 1 < n) out[i + 1] = mean + std * radius * Math.sin(angle);
  }
  return out;
}

/** `n` integers uniform in [low, high). */
export function integerArray(n: number, low: number, high: number): Int32Array {
  const out = new Int32Array(n);
  const span = high - low;
  for (let i = 0; i < n; i++) out[i] = low + Math.floor(nextUniform() * span);
  return out;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
