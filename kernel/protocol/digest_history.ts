/**
 * The signatures of messages already accepted, so that a captured message sent again (a replay) is
 * dropped, as ipykernel's digest history does. Bounded: the oldest signatures are forgotten.
 *
 * The kernel reads messages on two threads (shell and stdin on the main thread, control in the watchdog),
 * and ipykernel keeps one history for every channel: a request captured on shell must not be accepted
 * again on control. `SharedDigestHistory` lives in a SharedArrayBuffer that both threads open.
 */

export interface DigestHistory {
  /** Records a verified signature; false when it was recorded before (the message is a replay). */
  add(signature: string): boolean;
}

/** One thread's history: a set that forgets its oldest tenth when full. */
export class LocalDigestHistory implements DigestHistory {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  add(signature: string): boolean {
    if (this.seen.has(signature)) return false;
    this.seen.add(signature);
    if (this.seen.size > this.capacity) {
      let drop = Math.max(1, Math.floor(this.capacity / 10));
      for (const old of this.seen) {
        if (drop-- === 0) break;
        this.seen.delete(old);
      }
    }
    return true;
  }
}

/**
 * A history shared between threads. A signature is kept as its first 128 bits (a collision between two
 * HMAC-SHA256 digests there is out of reach) in one of BUCKETS buckets chosen by its first 32 bits; each
 * bucket remembers its last SLOTS signatures, so the whole remembers about BUCKETS * SLOTS of them.
 * A spin lock makes check-and-add atomic: the same message arriving on two sockets at once is taken once.
 */
export class SharedDigestHistory implements DigestHistory {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  /** A new history, or (in another thread) the one whose `buffer` was handed over. */
  constructor(buffer?: SharedArrayBuffer) {
    this.buffer =
      buffer ?? new SharedArrayBuffer((HEADER + BUCKETS + BUCKETS * SLOTS * WORDS) * Int32Array.BYTES_PER_ELEMENT);
    this.cells = new Int32Array(this.buffer);
  }

  add(signature: string): boolean {
    const words = prefixWords(signature);
    const bucket = (words[0] >>> 0) % BUCKETS;
    const base = HEADER + BUCKETS + bucket * SLOTS * WORDS;
    while (Atomics.compareExchange(this.cells, LOCK, 0, 1) !== 0) {
      // another thread is inside add(): a handful of comparisons, so spinning is cheaper than waiting
    }
    try {
      for (let slot = 0; slot < SLOTS; slot++) {
        const at = base + slot * WORDS;
        if (words.every((word, i) => this.cells[at + i] === word)) return false;
      }
      const cursor = HEADER + bucket;
      const slot = this.cells[cursor];
      this.cells.set(words, base + slot * WORDS);
      this.cells[cursor] = (slot + 1) % SLOTS;
      return true;
    } finally {
      Atomics.store(this.cells, LOCK, 0);
    }
  }
}

/** ipykernel keeps 2^16 signatures. */
const DEFAULT_CAPACITY = 1 << 16;
const BUCKETS = 4096;
const SLOTS = 16;
/** Int32 words kept per signature (128 bits). */
const WORDS = 4;
/** The lock word comes first, then one cursor per bucket, then the buckets. */
const LOCK = 0;
const HEADER = 1;

/**
 * The first 128 bits of a hex digest as four words; never all zero (an empty slot), so a digest that
 * starts with 32 zero digits still counts.
 */
function prefixWords(signature: string): Int32Array {
  const words = new Int32Array(WORDS);
  for (let i = 0; i < WORDS; i++) words[i] = Number.parseInt(signature.slice(i * 8, i * 8 + 8).padEnd(8, "0"), 16) | 0;
  if (words.every((word) => word === 0)) words[WORDS - 1] = 1;
  return words;
}
