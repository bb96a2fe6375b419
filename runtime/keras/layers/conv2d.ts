/** Conv2D: 2-D convolution over NHWC images with kernel [kh, kw, inChannels, filters] (Keras's Conv2D). */
import type { Tensor } from "../../tensor";
import type { InputShapes } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { conv2d } from "../../ops/conv";
import { BaseConv, CONV_2D, type ConvOptions } from "./base_conv";
import { fromConfigOptions, positionalSecond } from "./config";
import { windowOutputShape2D, parsePadding, type PaddingMode } from "./conv_utils";

export type Conv2DOptions = ConvOptions<PaddingMode>;

export class Conv2D extends BaseConv<[number, number], PaddingMode> {
  /** `Conv2D(32, [3, 3], { activation: "relu" })` or `Conv2D(32, { kernelSize: [3, 3], activation: "relu" })`. */
  constructor(
    filters: number,
    kernelSizeOrOptions?: number | readonly number[] | Conv2DOptions,
    maybeOptions: Conv2DOptions = {},
  ) {
    super(filters, positionalSecond(kernelSizeOrOptions, maybeOptions, "kernelSize"), {
      ...CONV_2D,
      who: new.target.name,
      parsePadding,
    });
  }

  protected override kernelShape(channels: number): number[] {
    return [...this.kernelSize, channels, this.filters];
  }

  protected override convolve(x: Tensor): Tensor {
    return conv2d(x, this.kernel!.value, {
      strides: this.strides,
      padding: this.padding,
      dilations: this.dilationRate,
    });
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return windowOutputShape2D(
      inputShape as SymbolicShape,
      this.kernelSize,
      this.strides,
      this.padding,
      this.dilationRate,
      this.filters,
    );
  }
}

registerLayer("Conv2D", (c) => new Conv2D(c.filters as number, fromConfigOptions<Conv2DOptions>(c)));
