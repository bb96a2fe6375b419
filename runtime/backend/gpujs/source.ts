/**
 * Building blocks for gpu.js kernel sources. Every kernel of this backend is
 * generated as source text for one concrete shape: sizes and strides become
 * integer literals, so gpu.js sees loops with constant bounds (which its GL
 * and WebGPU targets require) and its WebAssembly target bakes them into the
 * bytecode. Outputs are flat (1-D): `this.thread.x` is the row-major index of
 * the element a thread computes, and kernels recover coordinates from it.
 */
import type { Shape } from "../backend";

/** One kernel to run: its source and the number of output elements. */
export interface KernelSpec {
  /** `function(a, b) { ... }` returning output element `this.thread.x`. */
  source: string;
  /** Output elements; at least 1 (the backend never launches empty outputs). */
  outSize: number;
  /**
   * The largest index the kernel computes through variables, which gpu.js's
   * WebAssembly and GL targets hold in float32 (exact only up to 2^24);
   * 0 when every read is at `this.thread.x` (plus a literal), which gpu.js
   * keeps integral at any size. Absent: bounded by the sizes of the kernel's
   * arguments and output.
   */
  indexBound?: number;
  /**
   * Arguments read as matrices `arg[row][col]` (argument position -> row
   * length): gpu.js forms that address itself, in integers, so a large
   * array stays exactly addressable while row and col stay small.
   */
  matrices?: Readonly<Record<number, number>>;
}

/** A kernel source from its parameter names and body statements. */
export function kernel(params: readonly string[], body: readonly string[]): string {
  return `function(${params.join(", ")}) {\n  ${body.join("\n  ")}\n}`;
}

/**
 * Statements that split the flat index expression `index` into coordinates
 * `${name}0 .. ${name}{rank-1}` of `shape` (row-major). Dimensions of size 1
 * get the literal coordinate 0.
 */
export function unravel(index: string, shape: Shape, name: string): string[] {
  const rank = shape.length;
  if (rank === 0) return [];
  const rest = `${name}Rest`;
  const lines = [`let ${rest} = ${index};`];
  for (let d = rank - 1; d >= 1; d--) {
    if (shape[d] === 1) {
      lines.push(`const ${name}${d} = 0;`);
      continue;
    }
    lines.push(`const ${name}${d} = ${rest} % ${shape[d]};`);
    lines.push(`${rest} = Math.floor(${rest} / ${shape[d]});`);
  }
  lines.push(`const ${name}0 = ${rest};`);
  return lines;
}

/**
 * The integer expression sum(expression * coefficient) + constant, written
 * without multiplications by 1 or terms multiplied by 0: gpu.js's WebAssembly
 * target does not fold those, and in an inner loop they halve its speed.
 */
export function linear(terms: readonly (readonly [string, number])[], constant = 0): string {
  const parts: string[] = [];
  for (const [expression, coefficient] of terms) {
    if (coefficient === 0) continue;
    parts.push(coefficient === 1 ? expression : `${expression} * ${coefficient}`);
  }
  if (constant !== 0 || parts.length === 0) parts.push(String(constant));
  return parts.join(" + ").replace(/\+ -/g, "- ");
}

/** How many terms one iteration of an unrolled dot-product loop adds. */
const UNROLL = 4;

/**
 * Statements adding sum over v in [0, count) of term(v) to `acc`, unrolled
 * by four with a remainder loop (loop overhead dominates a one-term body on
 * gpu.js's CPU targets). `term(offset)` writes the term for `variable + offset`.
 */
export function dotProduct(acc: string, variable: string, count: number, term: (offset: number) => string): string[] {
  const whole = count - (count % UNROLL);
  const lines: string[] = [];
  if (whole > 0) {
    const terms = Array.from({ length: UNROLL }, (_, i) => term(i));
    lines.push(
      `for (let ${variable} = 0; ${variable} < ${whole}; ${variable} += ${UNROLL}) {`,
      `  ${acc} += ${terms.join(" + ")};`,
      "}",
    );
  }
  if (whole < count) {
    lines.push(
      `for (let ${variable} = ${whole}; ${variable} < ${count}; ${variable}++) {`,
      `  ${acc} += ${term(0)};`,
      "}",
    );
  }
  return lines;
}

/** `offset + c0 * s0 + c1 * s1 + ...` over coordinates `${name}d` (see `linear`). */
export function offsetOf(name: string, strides: readonly number[], offset = 0): string {
  return linear(
    strides.map((s, d) => [`${name}${d}`, s] as const),
    offset,
  );
}

/** True when `strides` are the row-major strides of `shape` (the view reads the buffer in order). */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/**
 * A float as kernel source. Scalars are baked into the source rather than
 * passed as arguments: gpu.js types a scalar argument by its first value, so
 * an integral first value would make it an integer for every later call.
 */
export function floatLiteral(v: number): string {
  // gpu.js's GL targets turn `Infinity` into the largest finite float; a division by zero stays infinite everywhere.
  if (Number.isNaN(v)) return "(0.0 / 0.0)";
  if (v === Infinity) return "(1.0 / 0.0)";
  if (v === -Infinity) return "(-1.0 / 0.0)";
  const text = String(v);
  return /[.e]/.test(text) ? text : `${text}.0`;
}
