/**
 * Depthwise 2-D convolution (tf.nn.depthwise_conv2d): each input channel is
 * convolved with its own filters, without mixing channels. Composed from
 * differentiable ops (pad, strided slice, broadcast multiply, add), so every
 * backend runs it and its gradients come from autograd.
 */
import { shapeString } from "../backend/backend";
import type { Tensor } from "../tensor/core";
import { add, mul } from "./math";
import { conv2dGeometry, type ConvWindowOptions } from "./conv";
import { toFloat } from "./operands";
import { pad, reshape, slice, stridedSlice } from "./shape";

/**
 * x [batch, height, width, C] and filter [fh, fw, C, M] give
 * [batch, outHeight, outWidth, C * M]; output channel c * M + m is input
 * channel c convolved with filter[:, :, c, m]. Strides, padding and
 * dilations work as in conv2d.
 */
export function depthwiseConv2d(x: Tensor, filter: Tensor, options: ConvWindowOptions = {}): Tensor {
  const op = "depthwiseConv2d";
  const input = toFloat(x);
  const f = toFloat(filter);
  if (f.rank !== 4)
    throw new Error(
      `${op}: filter ${shapeString(f.shape)} must have rank 4: [height, width, inChannels, channelMultiplier]`,
    );
  const g = conv2dGeometry(op, input.shape, f.shape, options);
  const [kh, kw, channels, multiplier] = f.shape;
  const spanH = (g.outHeight - 1) * g.strideHeight + 1;
  const spanW = (g.outWidth - 1) * g.strideWidth + 1;
  // Pad once so that every filter tap reads one strided window of the padded image.
  const padBottom = Math.max(0, (kh - 1) * g.dilationHeight + spanH - g.inHeight - g.padTop);
  const padRight = Math.max(0, (kw - 1) * g.dilationWidth + spanW - g.inWidth - g.padLeft);
  const padded =
    g.padTop + padBottom + g.padLeft + padRight > 0
      ? pad(input, [
          [0, 0],
          [g.padTop, padBottom],
          [g.padLeft, padRight],
          [0, 0],
        ])
      : input;
  const tapShape = multiplier === 1 ? [channels] : [channels, multiplier];
  let out: Tensor | null = null;
  // Rows first, then columns of those rows: the gradient scatters kh + kh * kw times instead of 2 * kh * kw.
  const paddedWidth = padded.shape[2];
  for (let fy = 0; fy < kh; fy++) {
    const top = fy * g.dilationHeight;
    const rows = stridedSlice(
      padded,
      [0, top, 0, 0],
      [g.batch, top + spanH, paddedWidth, channels],
      [1, g.strideHeight, 1, 1],
    );
    for (let fx = 0; fx < kw; fx++) {
      const left = fx * g.dilationWidth;
      let window = stridedSlice(
        rows,
        [0, 0, left, 0],
        [g.batch, g.outHeight, left + spanW, channels],
        [1, 1, g.strideWidth, 1],
      );
      // With a multiplier, [.., C, 1] * [C, M] broadcasts each channel over its M filters: channel-major c * M + m.
      if (multiplier > 1) window = reshape(window, [g.batch, g.outHeight, g.outWidth, channels, 1]);
      const taps = reshape(slice(f, [fy, fx, 0, 0], [1, 1, channels, multiplier]), tapShape);
      const term = mul(window, taps);
      out = out ? add(out, term) : term;
    }
  }
  return reshape(out!, [g.batch, g.outHeight, g.outWidth, channels * multiplier]);
}
