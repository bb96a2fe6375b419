/**
 * Sequence layers accept any number of time steps after they are built (as
 * Keras's do when built from shape (None, None, features)): the time axis of
 * the shape they are built for is recorded as unknown.
 */
import type { InputShapes } from "../engine/layer";
import type { SymbolicShape } from "../utils/shape";

/** `shape` (or each shape of a list) with its time axis, axis 1 of a rank >= 3 shape, made unknown. */
export function anyTime(shape: InputShapes): InputShapes {
  const one = (s: SymbolicShape): SymbolicShape => (s.length >= 3 ? [s[0], null, ...s.slice(2)] : s);
  return Array.isArray(shape[0]) ? (shape as readonly SymbolicShape[]).map(one) : one(shape as SymbolicShape);
}
