/**
 * 2-D convolution in NHWC layout with filters [height, width, inChannels,
 * outChannels] (Keras and TensorFlow.js conventions), its transpose, and the
 * geometry (output size and padding) that the backend primitives receive.
 */
import { currentBackend } from "../backend/registry";
import { shapeString, type Conv2DGeometry } from "../backend/backend";
import { record } from "../autograd";
import { compute, type Tensor } from "../tensor/core";
import { toFloat } from "./operands";

/** "valid" (no padding), "same" (output size ceil(input / stride)), or explicit [[top, bottom], [left, right]]. */
export type Padding = "valid" | "same" | readonly [readonly [number, number], readonly [number, number]];

/** Where the windows of a 2-D convolution (and its depthwise and transposed forms) fall. */
export interface ConvWindowOptions {
  /** Step between windows: one number for both axes or [height, width]. Default 1. */
  strides?: number | readonly [number, number];
  /** Default "valid". */
  padding?: Padding;
  /** Spacing between filter taps (atrous convolution): a number or [height, width]. Default 1. */
  dilations?: number | readonly [number, number];
}

/** Convolution of x [batch, height, width, inChannels] with filter [fh, fw, inChannels, outChannels]. */
export function conv2d(x: Tensor, filter: Tensor, options: ConvWindowOptions = {}): Tensor {
  const input = toFloat(x);
  const f = toFloat(filter);
  const g = conv2dGeometry("conv2d", input.shape, f.shape, options);
  const be = currentBackend();
  const outShape = [g.batch, g.outHeight, g.outWidth, g.outChannels];
  const out = compute("conv2d", outShape, "float32", () => be.conv2d(input.dataOn(be), f.dataOn(be), g));
  // A network's first layer has an input without gradient: skip its (costly) input gradient.
  return record("conv2d", out, [input, f], (dy) => [
    input.requiresGrad
      ? compute("conv2d (input gradient)", input.shape, "float32", () =>
          be.conv2dBackpropInput(dy.dataOn(be), f.dataOn(be), g),
        )
      : null,
    f.requiresGrad
      ? compute("conv2d (filter gradient)", f.shape, "float32", () =>
          be.conv2dBackpropFilter(input.dataOn(be), dy.dataOn(be), g),
        )
      : null,
  ]);
}

export interface Conv2DTransposeOptions extends ConvWindowOptions {
  /** The [height, width] of the result, when strides make it ambiguous; defaults to TensorFlow's choice. */
  outputSize?: readonly [number, number];
}

/**
 * The transpose (adjoint) of conv2d, used to upsample ("deconvolution"):
 * x [batch, height, width, inChannels], filter [fh, fw, outChannels, inChannels]
 * as in tf.nn.conv2d_transpose. The output is height * stride for "same",
 * (height - 1) * stride + dilated filter height for "valid".
 */
export function conv2dTranspose(x: Tensor, filter: Tensor, options: Conv2DTransposeOptions = {}): Tensor {
  const input = toFloat(x);
  const f = toFloat(filter);
  const op = "conv2dTranspose";
  if (input.rank !== 4 || f.rank !== 4) {
    throw new Error(
      `${op}: input ${input.shapeString()} must be [batch, height, width, channels] and filter ${f.shapeString()} [fh, fw, outChannels, inChannels]`,
    );
  }
  if (input.shape[3] !== f.shape[3]) {
    throw new Error(
      `${op}: input ${input.shapeString()} has ${input.shape[3]} channels but filter ${f.shapeString()} expects ${f.shape[3]} (its last axis)`,
    );
  }
  const [sh, sw] = pair(op, "strides", options.strides ?? 1);
  const [dh, dw] = pair(op, "dilations", options.dilations ?? 1);
  const padding = options.padding ?? "valid";
  const size = (
    inSize: number,
    k: number,
    s: number,
    d: number,
    pads: readonly [number, number] | undefined,
  ): number => {
    const ek = (k - 1) * d + 1;
    if (padding === "same") return inSize * s;
    return (inSize - 1) * s + ek - (pads ? pads[0] + pads[1] : 0);
  };
  const explicit = typeof padding === "string" ? undefined : padding;
  const outputSize = options.outputSize ?? [
    size(input.shape[1], f.shape[0], sh, dh, explicit?.[0]),
    size(input.shape[2], f.shape[1], sw, dw, explicit?.[1]),
  ];
  const imageShape = [input.shape[0], outputSize[0], outputSize[1], f.shape[2]];
  const g = conv2dGeometry(op, imageShape, f.shape, options);
  if (g.outHeight !== input.shape[1] || g.outWidth !== input.shape[2]) {
    throw new Error(
      `${op}: an output of ${outputSize[0]}x${outputSize[1]} does not convolve back to the input's ` +
        `${input.shape[1]}x${input.shape[2]} with these strides and padding (it gives ${g.outHeight}x${g.outWidth})`,
    );
  }
  const be = currentBackend();
  const out = compute(op, imageShape, "float32", () => be.conv2dBackpropInput(input.dataOn(be), f.dataOn(be), g));
  return record(op, out, [input, f], (dy) => [
    compute(`${op} (input gradient)`, input.shape, "float32", () => be.conv2d(dy.dataOn(be), f.dataOn(be), g)),
    compute(`${op} (filter gradient)`, f.shape, "float32", () =>
      be.conv2dBackpropFilter(dy.dataOn(be), input.dataOn(be), g),
    ),
  ]);
}

/** The geometry of a convolution of an image of `xShape` by a filter of `fShape`, validated. */
export function conv2dGeometry(
  op: string,
  xShape: readonly number[],
  fShape: readonly number[],
  options: ConvWindowOptions,
): Conv2DGeometry {
  if (xShape.length !== 4)
    throw new Error(`${op}: input ${shapeString(xShape)} must have rank 4: [batch, height, width, channels]`);
  if (fShape.length !== 4)
    throw new Error(`${op}: filter ${shapeString(fShape)} must have rank 4: [height, width, inChannels, outChannels]`);
  const [batch, inHeight, inWidth, inChannels] = xShape;
  const [filterHeight, filterWidth, fIn, outChannels] = fShape;
  if (fIn !== inChannels) {
    throw new Error(
      `${op}: input ${shapeString(xShape)} has ${inChannels} channels but filter ${shapeString(fShape)} expects ${fIn} (its third axis)`,
    );
  }
  const [strideHeight, strideWidth] = pair(op, "strides", options.strides ?? 1);
  const [dilationHeight, dilationWidth] = pair(op, "dilations", options.dilations ?? 1);
  const [outHeight, padTop] = outputAndPad(
    op,
    "height",
    inHeight,
    filterHeight,
    strideHeight,
    dilationHeight,
    options.padding ?? "valid",
    0,
  );
  const [outWidth, padLeft] = outputAndPad(
    op,
    "width",
    inWidth,
    filterWidth,
    strideWidth,
    dilationWidth,
    options.padding ?? "valid",
    1,
  );
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padTop,
    padLeft,
  };
}

/**
 * Output size and leading pad along one axis for a window of `k` taps spaced
 * `d` apart, moved by `s`. "same" pads so the output is ceil(size / s), the
 * odd pixel going at the end (TensorFlow's rule).
 */
export function outputAndPad(
  op: string,
  axisName: string,
  size: number,
  k: number,
  s: number,
  d: number,
  padding: Padding,
  axis: 0 | 1,
): [number, number] {
  const span = (k - 1) * d + 1;
  let out: number;
  let before: number;
  if (padding === "same") {
    out = Math.ceil(size / s);
    before = Math.floor(Math.max((out - 1) * s + span - size, 0) / 2);
  } else if (padding === "valid") {
    out = size >= span ? Math.floor((size - span) / s) + 1 : 0;
    before = 0;
  } else if (Array.isArray(padding) && padding.length === 2) {
    const [top, bottom] = padding[axis];
    if (![top, bottom].every((p) => Number.isInteger(p) && p >= 0)) {
      throw new Error(`${op}: explicit padding ${JSON.stringify(padding)} must hold non-negative integers`);
    }
    const padded = size + top + bottom;
    out = padded >= span ? Math.floor((padded - span) / s) + 1 : 0;
    before = top;
  } else {
    throw new Error(
      `${op}: padding must be "valid", "same" or [[top, bottom], [left, right]], got ${JSON.stringify(padding)}`,
    );
  }
  if (out <= 0 && size > 0) {
    throw new Error(
      `${op}: input ${axisName} ${size} is smaller than the window (${k} taps${d > 1 ? ` at dilation ${d}, spanning ${span}` : ""}) ` +
        `with padding ${JSON.stringify(padding)}; use padding "same" or a smaller window`,
    );
  }
  return [Math.max(out, 0), before];
}

/** A [height, width] pair of positive integers from a number or a pair. */
export function pair(op: string, name: string, value: number | readonly [number, number]): [number, number] {
  const p: [number, number] = typeof value === "number" ? [value, value] : [value[0], value[1]];
  if (!p.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(
      `${op}: ${name} must be a positive integer or [height, width] of them, got ${JSON.stringify(value)}`,
    );
  }
  return p;
}
