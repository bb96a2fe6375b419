/** Size arithmetic and input checks shared by the 1-D and 2-D convolution and pooling layers (NWC, NHWC; TensorFlow's padding rules). */
import type { SymbolicShape } from "../utils/shape";
import { canonicalIdentifier } from "../utils/identifiers";
import type { Layer } from "../engine/layer";

/** The padding modes of the Keras window layers (runtime/ops/conv.ts's Padding also takes explicit pairs). */
export type PaddingMode = "valid" | "same";

/** Output length of a convolution or pooling window along one axis; null stays null. */
export function convOutputLength(
  length: number | null,
  window: number,
  stride: number,
  padding: PaddingMode,
  dilation = 1,
): number | null {
  if (length === null) return null;
  const effective = (window - 1) * dilation + 1;
  return padding === "same" ? Math.ceil(length / stride) : Math.floor((length - effective) / stride) + 1;
}

/** [batch, rows, cols, channels] after a 2-D window (dilated by `dilation`) slides over an NHWC input. */
export function windowOutputShape2D(
  inputShape: SymbolicShape,
  window: readonly [number, number],
  strides: readonly [number, number],
  padding: PaddingMode,
  dilation: readonly [number, number],
  channels: number | null,
): SymbolicShape {
  const [n, h, w] = inputShape;
  return [
    n,
    convOutputLength(h, window[0], strides[0], padding, dilation[0]),
    convOutputLength(w, window[1], strides[1], padding, dilation[1]),
    channels,
  ];
}

/** Output length of a transposed convolution (the inverse of convOutputLength). */
export function deconvOutputLength(
  length: number | null,
  window: number,
  stride: number,
  padding: PaddingMode,
): number | null {
  if (length === null) return null;
  return padding === "same" ? length * stride : (length - 1) * stride + Math.max(window - stride, 0) + stride;
}

export function parsePadding(value: string | undefined, layer: string): PaddingMode {
  const p = canonicalIdentifier(value ?? "valid");
  if (p !== "valid" && p !== "same") throw new Error(`${layer}: padding must be "valid" or "same", got "${value}"`);
  return p;
}

/** Checks the input is [batch, height, width, channels] with known channels, naming the layer and the shape. */
export function requireImageInput(layer: Layer, shape: SymbolicShape): number {
  if (shape.length !== 4) {
    throw layer.shapeError("expects a 4-D input (batch, height, width, channels)", shape);
  }
  const channels = shape[3];
  if (channels === null) throw layer.shapeError("needs a known number of channels (the last axis)", shape);
  return channels;
}

/** Checks a spatial output size is positive: an input too small for the window gives a clear error. */
export function requirePositiveOutput(
  layer: Layer,
  input: SymbolicShape,
  out: (number | null)[],
  window: readonly number[],
): void {
  if (out.some((d) => d !== null && d <= 0)) {
    throw layer.shapeError(
      `with window ${window.join("x")} gives an empty output ${JSON.stringify(out)}; the input is too small`,
      input,
    );
  }
}

/** Checks the input is [batch, steps, channels] with known channels, naming the layer and the shape. */
export function requireSequenceInput(layer: Layer, shape: SymbolicShape): number {
  if (shape.length !== 3) {
    throw layer.shapeError("expects a 3-D input (batch, steps, channels)", shape);
  }
  const channels = shape[2];
  if (channels === null) throw layer.shapeError("needs a known number of channels (the last axis)", shape);
  return channels;
}

/** A 1-D size as Keras accepts it: `3` or `[3]` (Keras's one-element tuple). */
export function single(value: number | readonly number[], what: string, layer: string): number {
  const v = typeof value === "number" ? value : value.length === 1 ? value[0] : NaN;
  if (!(Number.isInteger(v) && v > 0))
    throw new Error(`${layer}: ${what} must be a positive integer (or [n]), got ${JSON.stringify(value)}`);
  return v;
}
