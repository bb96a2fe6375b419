/**
 * Conv1D: 1-D convolution over NWC sequences with kernel [kernelSize, inChannels, filters]
 * (Keras's Conv1D). It runs as a 2-D convolution of an [N, 1, W, C] view, so
 * the backends' convolution kernels and their gradients serve both.
 */
import type { Tensor } from "../../tensor";
import type { InputShapes } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { canonicalIdentifier } from "../utils/identifiers";
import type { SymbolicShape } from "../utils/shape";
import { conv2d, type Padding } from "../../ops/conv";
import { BaseConv, CONV_1D, type ConvOptions } from "./base_conv";
import { fromConfigOptions, positionalSecond } from "./config";
import { convOutputLength } from "./conv_utils";

/** "causal" pads only the start, so output step t sees inputs up to t (Keras's causal padding). */
export type Conv1DPadding = "valid" | "same" | "causal";

export type Conv1DOptions = ConvOptions<Conv1DPadding>;

export class Conv1D extends BaseConv<number, Conv1DPadding> {
  /** `Conv1D(16, 3, { padding: "causal" })` or `Conv1D(16, { kernelSize: 3 })`. */
  constructor(
    filters: number,
    kernelSizeOrOptions?: number | readonly number[] | Conv1DOptions,
    maybeOptions: Conv1DOptions = {},
  ) {
    super(filters, positionalSecond(kernelSizeOrOptions, maybeOptions, "kernelSize"), {
      ...CONV_1D,
      who: "Conv1D",
      parsePadding: parseConv1DPadding,
    });
  }

  protected override checkWindow(who: string): void {
    if (this.strides > 1 && this.dilationRate > 1) {
      throw new Error(
        `${who}: strides ${this.strides} with dilationRate ${this.dilationRate} is not supported (Keras refuses it too); use one of them`,
      );
    }
  }

  protected override kernelShape(channels: number): number[] {
    return [this.kernelSize, channels, this.filters];
  }

  protected override convolve(x: Tensor): Tensor {
    const [n, steps, channels] = x.shape;
    const kernel = this.kernel!.value.reshape([1, this.kernelSize, channels, this.filters]);
    const image = conv2d(x.reshape([n, 1, steps, channels]), kernel, {
      strides: [1, this.strides],
      padding: this.conv2dPadding(),
      dilations: [1, this.dilationRate],
    });
    return image.reshape([n, image.shape[2], this.filters]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [n, steps] = inputShape as SymbolicShape;
    // Causal padding adds (kernelSize - 1) * dilation steps in front: the length is "same"'s.
    const padding = this.padding === "causal" ? "same" : this.padding;
    return [n, convOutputLength(steps, this.kernelSize, this.strides, padding, this.dilationRate), this.filters];
  }

  private conv2dPadding(): Padding {
    if (this.padding !== "causal") return this.padding;
    return [
      [0, 0],
      [(this.kernelSize - 1) * this.dilationRate, 0],
    ];
  }
}

function parseConv1DPadding(value: string | undefined): Conv1DPadding {
  const p = canonicalIdentifier(value ?? "valid");
  if (p !== "valid" && p !== "same" && p !== "causal")
    throw new Error(`Conv1D: padding must be "valid", "same" or "causal", got "${value}"`);
  return p;
}

registerLayer("Conv1D", (c) => new Conv1D(c.filters as number, fromConfigOptions<Conv1DOptions>(c)));
