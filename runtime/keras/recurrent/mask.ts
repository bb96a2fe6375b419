/**
 * Masks of padded time steps, passed from layer to layer beside the data as
 * Keras does: a layer that makes a mask (Masking, Embedding with maskZero)
 * attaches it to its output tensor, and a layer that reads one (the
 * recurrent layers, attention) looks it up on its input. A mask is a float
 * tensor [batch, time] of 1 (a real step) and 0 (padding).
 */
import type { Tensor } from "../../tensor";

const masks = new WeakMap<Tensor, Tensor>();

/** Records `mask` as the mask of `output`; returns `output`. */
export function attachMask(output: Tensor, mask: Tensor): Tensor {
  masks.set(output, mask);
  return output;
}

/** The mask attached to `t`, or null. */
export function maskOf(t: Tensor): Tensor | null {
  return masks.get(t) ?? null;
}

/** The mask a layer should use: the one passed explicitly in the call, else the one attached to its input. */
export function resolveMask(input: Tensor, explicit: Tensor | null | undefined, who: string): Tensor | null {
  const mask = explicit ?? maskOf(input);
  if (!mask) return null;
  const [batch, time] = input.shape;
  if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== time) {
    throw new Error(
      `${who}: mask ${mask.shapeString()} does not fit input ${input.shapeString()}; it must be [batch, time] = [${batch}, ${time}]`,
    );
  }
  return mask.dtype === "float32" ? mask : mask.cast("float32");
}
