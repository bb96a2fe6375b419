/**
 * Conv1D: 1-D convolution over NWC sequences with kernel [kernelSize, inChannels, filters]
 * (Keras's Conv1D). It runs as a 2-D convolution of an [N, 1, W, C] view, so
 * the backends' convolution kernels and their gradients serve both.
 */
import type { Tensor } from "../../tensor";
import { getActivation, type ActivationIdentifier, type ResolvedActivation } from "../activations";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import { canonicalIdentifier } from "../utils/identifiers";
import type { SymbolicShape } from "../utils/shape";
import { conv2d, type Padding as Conv2DPadding } from "../../ops/conv";
import {
  activationConfig,
  addKernelAndBias,
  fromConfigOptions,
  kernelBiasConfig,
  positionalSecond,
  type KernelBiasOptions,
} from "./config";
import { convOutputLength, requirePositiveOutput, requireSequenceInput, single } from "./conv_utils";

/** "causal" pads only the start, so output step t sees inputs up to t (Keras's causal padding). */
export type Conv1DPadding = "valid" | "same" | "causal";

export interface Conv1DOptions extends LayerOptions, KernelBiasOptions {
  /** Window length; may also be given as the second positional argument, as in Keras. */
  kernelSize?: number | readonly number[];
  strides?: number | readonly number[];
  padding?: Conv1DPadding;
  dilationRate?: number | readonly number[];
  activation?: ActivationIdentifier;
  useBias?: boolean;
}

export class Conv1D extends Layer {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Conv1DPadding;
  readonly dilationRate: number;
  readonly activation: ResolvedActivation;
  readonly useBias: boolean;
  kernel: Weight | null = null;
  bias: Weight | null = null;
  private readonly options: Conv1DOptions;

  /** `Conv1D(16, 3, { padding: "causal" })` or `Conv1D(16, { kernelSize: 3 })`. */
  constructor(
    filters: number,
    kernelSizeOrOptions?: number | readonly number[] | Conv1DOptions,
    maybeOptions: Conv1DOptions = {},
  ) {
    const options = positionalSecond(kernelSizeOrOptions, maybeOptions, "kernelSize");
    super(options);
    const who = "Conv1D";
    if (!(Number.isInteger(filters) && filters > 0))
      throw new Error(`${who}: filters must be a positive integer, got ${filters}`);
    if (options.kernelSize === undefined)
      throw new Error(`${who}: kernelSize is required, e.g. ${who}(${filters}, { kernelSize: 3 })`);
    this.filters = filters;
    this.kernelSize = single(options.kernelSize, "kernelSize", who);
    this.strides = single(options.strides ?? 1, "strides", who);
    this.padding = parseConv1DPadding(options.padding);
    this.dilationRate = single(options.dilationRate ?? 1, "dilationRate", who);
    if (this.strides > 1 && this.dilationRate > 1) {
      throw new Error(
        `${who}: strides ${this.strides} with dilationRate ${this.dilationRate} is not supported (Keras refuses it too); use one of them`,
      );
    }
    this.activation = getActivation(options.activation);
    this.useBias = options.useBias ?? true;
    this.options = options;
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    const channels = requireSequenceInput(this, shape);
    requirePositiveOutput(this, shape, this.computeOutputShape(shape).slice(1, 2), [this.kernelSize]);
    [this.kernel, this.bias] = addKernelAndBias(
      this,
      [this.kernelSize, channels, this.filters],
      this.filters,
      this.useBias,
      this.options,
    );
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const [n, steps, channels] = x.shape;
    const kernel = this.kernel!.value.reshape([1, this.kernelSize, channels, this.filters]);
    const image = conv2d(x.reshape([n, 1, steps, channels]), kernel, {
      strides: [1, this.strides],
      padding: this.conv2dPadding(),
      dilations: [1, this.dilationRate],
    });
    let y = image.reshape([n, image.shape[2], this.filters]);
    if (this.bias) y = y.add(this.bias.value);
    return this.activation.fn(y);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [n, steps] = inputShape as SymbolicShape;
    // Causal padding adds (kernelSize - 1) * dilation steps in front: the length is "same"'s.
    const padding = this.padding === "causal" ? "same" : this.padding;
    return [n, convOutputLength(steps, this.kernelSize, this.strides, padding, this.dilationRate), this.filters];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      dilationRate: [this.dilationRate],
      activation: activationConfig(this),
      useBias: this.useBias,
      ...kernelBiasConfig(this.options),
    };
  }

  private conv2dPadding(): Conv2DPadding {
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
