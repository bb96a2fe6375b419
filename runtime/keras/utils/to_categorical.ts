/** keras.utils.toCategorical: integer class labels to one-hot rows. */
import type { Tensor } from "../../tensor";
import { tensor } from "../../ops/creation";
import { oneHot } from "../../ops/shape";

/** Labels [n] (a tensor or numbers) -> float32 one-hot [n, numClasses]; numClasses defaults to max label + 1. */
export function toCategorical(y: Tensor | readonly number[], numClasses?: number): Tensor {
  const labels = Array.isArray(y) ? tensor(y as number[]) : (y as Tensor);
  const values = labels.dataSync();
  let max = -1;
  for (const v of values) {
    if (!(Number.isInteger(v) && v >= 0))
      throw new Error(`toCategorical: labels must be non-negative integers, found ${v}`);
    if (v > max) max = v;
  }
  const classes = numClasses ?? max + 1;
  if (max >= classes)
    throw new Error(`toCategorical: label ${max} does not fit numClasses = ${classes} (labels must be < numClasses)`);
  const flat =
    labels.rank > 1 && labels.shape[labels.rank - 1] === 1 ? labels.reshape(labels.shape.slice(0, -1)) : labels;
  return oneHot(flat.cast("int32"), classes);
}
