/**
 * Symbolic shapes as Keras prints them: `null` is a dimension not known until
 * data arrives (the batch dimension, printed "None").
 */

export type SymbolicShape = readonly (number | null)[];

/** "(None, 26, 26, 32)" — Keras's tuple notation, so error messages and summaries read like Keras's. */
export function formatShape(shape: SymbolicShape): string {
  const parts = shape.map((d) => (d === null ? "None" : String(d)));
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(", ")})`;
}

/** True when `actual` fits `expected`, where `null` in either matches any size. */
export function shapesCompatible(expected: SymbolicShape, actual: SymbolicShape): boolean {
  if (expected.length !== actual.length) return false;
  return expected.every((d, i) => d === null || actual[i] === null || d === actual[i]);
}

/** A positional-or-tuple size as Keras accepts it: `3` means `[3, 3]`. */
export function pair(value: number | readonly number[], what: string, layer: string): [number, number] {
  const v = typeof value === "number" ? [value, value] : [...value];
  if (v.length !== 2 || !v.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${layer}: ${what} must be a positive integer or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [v[0], v[1]];
}
