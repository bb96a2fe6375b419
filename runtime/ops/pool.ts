/**
 * Pooling and upsampling of NHWC images: maxPool2d, avgPool2d (windows
 * default to non-overlapping, strides = pool size, as in Keras) and nearest-
 * neighbour upsample2d, bilinear resizeBilinear.
 */
import { currentBackend } from "../backend/registry";
import type { Pool2DGeometry } from "../backend/backend";
import { record } from "../autograd";
import { compute, type Tensor } from "../tensor/core";
import { toFloat } from "./operands";
import { outputAndPad, pair, type Padding } from "./conv";
import { broadcastTo, gather, reshape } from "./shape";
import { tensor } from "./creation";
import { add, mul } from "./math";

export interface Pool2DOptions {
  /** Step between windows; defaults to the pool size. */
  strides?: number | readonly [number, number];
  /** "valid" (default) or "same"; padded positions never win a max nor count in an average. */
  padding?: "valid" | "same";
}

/** The maximum of each window of x [batch, height, width, channels]. */
export function maxPool2d(
  x: Tensor,
  poolSize: number | readonly [number, number] = 2,
  options: Pool2DOptions = {},
): Tensor {
  const input = toFloat(x);
  const g = poolGeometry("maxPool2d", input, poolSize, options);
  const be = currentBackend();
  const out = compute("maxPool2d", [g.batch, g.outHeight, g.outWidth, g.channels], "float32", () =>
    be.pool2d("max", input.dataOn(be), g),
  );
  return record("maxPool2d", out, [input], (dy) => [
    compute("maxPool2d (gradient)", input.shape, "float32", () =>
      be.maxPool2dBackward(dy.dataOn(be), input.dataOn(be), g),
    ),
  ]);
}

/** The mean of each window of x [batch, height, width, channels]. */
export function avgPool2d(
  x: Tensor,
  poolSize: number | readonly [number, number] = 2,
  options: Pool2DOptions = {},
): Tensor {
  const input = toFloat(x);
  const g = poolGeometry("avgPool2d", input, poolSize, options);
  const be = currentBackend();
  const out = compute("avgPool2d", [g.batch, g.outHeight, g.outWidth, g.channels], "float32", () =>
    be.pool2d("avg", input.dataOn(be), g),
  );
  return record("avgPool2d", out, [input], (dy) => [
    compute("avgPool2d (gradient)", input.shape, "float32", () => be.avgPool2dBackward(dy.dataOn(be), g)),
  ]);
}

/** Repeats each pixel of x [batch, height, width, channels] size[0] times down and size[1] times across (Keras UpSampling2D, nearest). */
export function upsample2d(x: Tensor, size: number | readonly [number, number] = 2): Tensor {
  const input = toFloat(x);
  if (input.rank !== 4)
    throw new Error(`upsample2d: input ${input.shapeString()} must have rank 4: [batch, height, width, channels]`);
  const [sh, sw] = pair("upsample2d", "size", size);
  const [n, h, w, c] = input.shape;
  const spread = broadcastTo(reshape(input, [n, h, 1, w, 1, c]), [n, h, sh, w, sw, c]);
  return reshape(spread, [n, h * sh, w * sw, c]);
}

/**
 * Bilinear resize of x [batch, height, width, channels] to `size` = [height, width],
 * sampling as TensorFlow 2's tf.image.resize does (half-pixel centres, no
 * corner alignment): output pixel i reads input coordinate (i + 0.5) * in / out - 0.5,
 * clamped to the edge. Rows, then columns, are each a weighted sum of two
 * gathered neighbours, so the gradient is gather's (a scatter-add).
 */
export function resizeBilinear(x: Tensor, size: readonly [number, number]): Tensor {
  const input = toFloat(x);
  if (input.rank !== 4)
    throw new Error(`resizeBilinear: input ${input.shapeString()} must have rank 4: [batch, height, width, channels]`);
  const [outHeight, outWidth] = pair("resizeBilinear", "size", size);
  return interpolateAxis(interpolateAxis(input, 1, outHeight), 2, outWidth);
}

/** Linear interpolation of `x` along `axis` (1 or 2) to `outSize` samples, half-pixel centred. */
function interpolateAxis(x: Tensor, axis: 1 | 2, outSize: number): Tensor {
  const inSize = x.shape[axis];
  if (inSize === outSize) return x;
  const scale = inSize / outSize;
  const lower: number[] = [];
  const upper: number[] = [];
  const fraction = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const at = (i + 0.5) * scale - 0.5;
    const floor = Math.floor(at);
    lower.push(Math.max(floor, 0));
    upper.push(Math.min(Math.ceil(at), inSize - 1));
    fraction[i] = at - floor;
  }
  const weightShape = axis === 1 ? [1, outSize, 1, 1] : [1, 1, outSize, 1];
  const upperWeight = tensor(fraction, weightShape);
  const lowerWeight = tensor(
    fraction.map((f) => 1 - f),
    weightShape,
  );
  return add(mul(gather(x, lower, axis), lowerWeight), mul(gather(x, upper, axis), upperWeight));
}

function poolGeometry(
  op: string,
  x: Tensor,
  poolSize: number | readonly [number, number],
  options: Pool2DOptions,
): Pool2DGeometry {
  if (x.rank !== 4)
    throw new Error(`${op}: input ${x.shapeString()} must have rank 4: [batch, height, width, channels]`);
  const [windowHeight, windowWidth] = pair(op, "poolSize", poolSize);
  const [strideHeight, strideWidth] = pair(op, "strides", options.strides ?? [windowHeight, windowWidth]);
  const padding: Padding = options.padding ?? "valid";
  const [batch, inHeight, inWidth, channels] = x.shape;
  const [outHeight, padTop] = outputAndPad(op, "height", inHeight, windowHeight, strideHeight, 1, padding, 0);
  const [outWidth, padLeft] = outputAndPad(op, "width", inWidth, windowWidth, strideWidth, 1, padding, 1);
  return {
    batch,
    inHeight,
    inWidth,
    channels,
    outHeight,
    outWidth,
    windowHeight,
    windowWidth,
    strideHeight,
    strideWidth,
    padTop,
    padLeft,
  };
}
