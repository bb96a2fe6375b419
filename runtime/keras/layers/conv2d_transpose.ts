/**
 * Conv2DTranspose: the transposed ("deconvolution") 2-D convolution, which
 * upsamples; kernel [kh, kw, filters, inChannels] as in Keras.
 */
import type { Tensor } from "../../tensor";
import type { InputShapes } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { conv2dTranspose } from "../../ops/conv";
import { fromConfigOptions } from "./config";
import { deconvOutputLength } from "./conv_utils";
import { Conv2D, type Conv2DOptions } from "./conv2d";

export class Conv2DTranspose extends Conv2D {
  constructor(
    filters: number,
    kernelSizeOrOptions?: number | readonly number[] | Conv2DOptions,
    maybeOptions: Conv2DOptions = {},
  ) {
    super(filters, kernelSizeOrOptions, maybeOptions);
    if (this.dilationRate.some((d) => d !== 1))
      throw new Error(`${this.describe()}: dilationRate other than 1 is not supported`);
  }

  protected override convolve(x: Tensor): Tensor {
    const [, h, w] = this.computeOutputShape([null, x.shape[1], x.shape[2], x.shape[3]]);
    return conv2dTranspose(x, this.kernel!.value, {
      strides: this.strides,
      padding: this.padding,
      outputSize: [h as number, w as number],
    });
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [n, h, w] = inputShape as SymbolicShape;
    const [kh, kw] = this.kernelSize;
    return [
      n,
      deconvOutputLength(h, kh, this.strides[0], this.padding),
      deconvOutputLength(w, kw, this.strides[1], this.padding),
      this.filters,
    ];
  }

  protected override kernelShape(channels: number): number[] {
    return [...this.kernelSize, this.filters, channels];
  }
}

registerLayer("Conv2DTranspose", (c) => new Conv2DTranspose(c.filters as number, fromConfigOptions<Conv2DOptions>(c)));
