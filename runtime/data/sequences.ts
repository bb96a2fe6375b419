/**
 * Generated sequence data sets for the course notebooks, each repeatable
 * from its `seed` (a private generator: drawing data does not move nn.seed's).
 *
 * - recallTask: the label is the first token of a noisy sequence (memory over time).
 * - futureTask: each step's label is a later token (needs the future: BiLSTM).
 * - reverseDigits: toy translation, a digit string to its reverse.
 * - charText: next-character prediction windows over a text.
 */
import type { Tensor } from "../tensor";
import { tensor } from "../ops/creation";

export interface RecallOptions {
  samples: number;
  /** Steps per sequence (default 32). */
  length?: number;
  /** Distinct tokens, the classes (default 4); chance accuracy is 1 / classes. */
  classes?: number;
  /** The key sits at a random step among the first `keyWindow` (default 4). */
  keyWindow?: number;
  seed?: number;
}

/**
 * x [samples, length, classes + 1]: a random one-hot token at every step;
 * the last channel marks the key step (one of the first `keyWindow`). y
 * [samples]: the key, to be recalled after the last step. The other tokens
 * use the same channels as the key, so a network that writes every input
 * into its state (a SimpleRNN) cannot tell the key from the noise around it;
 * one that gates its writes on the marker (an LSTM) can keep it.
 */
export function recallTask(options: RecallOptions): { x: Tensor; y: Tensor } {
  const { samples, length = 32, classes = 4, keyWindow = 4 } = options;
  checkCounts("recallTask", { samples, length, classes, keyWindow });
  if (keyWindow > length)
    throw new Error(`recallTask: keyWindow ${keyWindow} is longer than the sequence (${length} steps)`);
  const rand = generator(options.seed ?? 0);
  const width = classes + 1;
  const x = new Float32Array(samples * length * width);
  const y = new Int32Array(samples);
  for (let n = 0; n < samples; n++) {
    for (let t = 0; t < length; t++) x[(n * length + t) * width + Math.floor(rand() * classes)] = 1;
    const key = (n * length + Math.floor(rand() * keyWindow)) * width;
    y[n] = x.subarray(key, key + classes).indexOf(1);
    x[key + classes] = 1;
  }
  return { x: tensor(x, [samples, length, width]), y: tensor(y, [samples]) };
}

export interface FutureOptions {
  samples: number;
  /** Steps per sequence (default 16). */
  length?: number;
  /** Distinct tokens (default 2); chance accuracy is 1 / vocab. */
  vocab?: number;
  /** How many steps ahead each label looks (default 2). */
  offset?: number;
  seed?: number;
}

/**
 * x [samples, length, vocab]: random one-hot tokens. y [samples, length]: at
 * step t the token at t + offset (0 past the end). A forward-only network
 * cannot know it at step t; a bidirectional one reads it.
 */
export function futureTask(options: FutureOptions): { x: Tensor; y: Tensor } {
  const { samples, length = 16, vocab = 2, offset = 2 } = options;
  checkCounts("futureTask", { samples, length, vocab, offset });
  const rand = generator(options.seed ?? 0);
  const tokens = Int32Array.from({ length: samples * length }, () => Math.floor(rand() * vocab));
  const x = new Float32Array(samples * length * vocab);
  const y = new Int32Array(samples * length);
  for (let n = 0; n < samples; n++) {
    for (let t = 0; t < length; t++) {
      x[(n * length + t) * vocab + tokens[n * length + t]] = 1;
      y[n * length + t] = t + offset < length ? tokens[n * length + t + offset] : 0;
    }
  }
  return { x: tensor(x, [samples, length, vocab]), y: tensor(y, [samples, length]) };
}

export interface ReverseOptions {
  samples: number;
  /** Digits per string (default 8). */
  length?: number;
  seed?: number;
}

/** The start token reverseDigits puts before the decoder's input (ids 0-9 are digits). */
export const START_TOKEN = 10;

/**
 * Toy translation: source [samples, length] digit ids 0-9; target the same
 * digits reversed; decoderInput the target shifted right behind START_TOKEN
 * (teacher forcing for an encoder-decoder). Ids are float32, as Embedding takes them.
 */
export function reverseDigits(options: ReverseOptions): { source: Tensor; target: Tensor; decoderInput: Tensor } {
  const { samples, length = 8 } = options;
  checkCounts("reverseDigits", { samples, length });
  const rand = generator(options.seed ?? 0);
  const source = new Float32Array(samples * length);
  const target = new Float32Array(samples * length);
  const decoderInput = new Float32Array(samples * length);
  for (let n = 0; n < samples; n++) {
    for (let t = 0; t < length; t++) source[n * length + t] = Math.floor(rand() * 10);
    for (let t = 0; t < length; t++) {
      target[n * length + t] = source[n * length + length - 1 - t];
      decoderInput[n * length + t] = t === 0 ? START_TOKEN : target[n * length + t - 1];
    }
  }
  const shape = [samples, length];
  return { source: tensor(source, shape), target: tensor(target, shape), decoderInput: tensor(decoderInput, shape) };
}

export interface CharTextOptions {
  /** Characters per window (default 40). */
  seqLength?: number;
  /** Characters between window starts (default 3). */
  step?: number;
}

export interface CharText {
  /** [windows, seqLength] character ids. */
  x: Tensor;
  /** [windows] the id of the character after each window. */
  y: Tensor;
  /** The characters, id order (sorted). */
  vocab: string[];
  encode(text: string): number[];
  decode(ids: ArrayLike<number>): string;
}

/** Next-character windows over `text` (default: a paragraph about recurrent networks that ships with nnlab). */
export function charText(text: string = DEFAULT_TEXT, options: CharTextOptions = {}): CharText {
  const seqLength = options.seqLength ?? 40;
  const step = options.step ?? 3;
  checkCounts("charText", { seqLength, step });
  if (text.length <= seqLength)
    throw new Error(`charText: the text has ${text.length} characters; it needs more than seqLength = ${seqLength}`);
  const vocab = [...new Set(text)].sort();
  const ids = new Map(vocab.map((c, i) => [c, i]));
  const encode = (s: string): number[] =>
    [...s].map((c) => {
      const id = ids.get(c);
      if (id === undefined)
        throw new Error(`charText: character ${JSON.stringify(c)} is not in the vocabulary of the text`);
      return id;
    });
  const all = encode(text);
  const starts: number[] = [];
  for (let s = 0; s + seqLength < all.length; s += step) starts.push(s);
  const x = new Float32Array(starts.length * seqLength);
  const y = new Float32Array(starts.length);
  starts.forEach((s, n) => {
    for (let t = 0; t < seqLength; t++) x[n * seqLength + t] = all[s + t];
    y[n] = all[s + seqLength];
  });
  return {
    x: tensor(x, [starts.length, seqLength]),
    y: tensor(y, [starts.length]),
    vocab,
    encode,
    decode: (list) => Array.from(list, (i) => vocab[i]).join(""),
  };
}

/** The default corpus: a short original text, so the data set needs no download. */
const DEFAULT_TEXT =
  "a recurrent network reads a sequence one step at a time. at every step it mixes the new input with " +
  "its hidden state, and the same weights are used at every step. to learn, the network is unrolled " +
  "over time and the error flows back through every step. when the sequence is long the gradient can " +
  "vanish, and the network forgets what it saw at the start. the lstm keeps a cell state with gates " +
  "that decide what to forget, what to write and what to show, so it can remember much longer. a " +
  "bidirectional network reads the sequence forwards and backwards, so every step sees what came " +
  "before and what comes after. attention lets every step look at every other step directly, and a " +
  "transformer is built from attention alone. ";

/** mulberry32: a small, fast, seedable generator of floats in [0, 1). */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

function checkCounts(who: string, counts: Record<string, number>): void {
  for (const [k, v] of Object.entries(counts)) {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`${who}: ${k} must be a positive integer, got ${v}`);
  }
}
