/** Conv2D: 2-D convolution over NHWC images with kernel [kh, kw, inChannels, filters] (Keras's Conv2D). */
import type { Tensor } from "../../tensor";
import { getActivation, type ActivationIdentifier, type ResolvedActivation } from "../activations";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import { pair, type SymbolicShape } from "../utils/shape";
import { conv2d } from "../../ops/conv";
import {
  activationConfig,
  addKernelAndBias,
  fromConfigOptions,
  kernelBiasConfig,
  positionalSecond,
  type KernelBiasOptions,
} from "./config";
import {
  windowOutputShape2D,
  parsePadding,
  requireImageInput,
  requirePositiveOutput,
  type Padding,
} from "./conv_utils";

export interface Conv2DOptions extends LayerOptions, KernelBiasOptions {
  /** Window size; may also be given as the second positional argument, as in Keras. */
  kernelSize?: number | readonly number[];
  strides?: number | readonly number[];
  padding?: "valid" | "same";
  dilationRate?: number | readonly number[];
  activation?: ActivationIdentifier;
  useBias?: boolean;
}

export class Conv2D extends Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];
  readonly activation: ResolvedActivation;
  readonly useBias: boolean;
  kernel: Weight | null = null;
  bias: Weight | null = null;
  protected readonly options: Conv2DOptions;

  /** `Conv2D(32, [3, 3], { activation: "relu" })` or `Conv2D(32, { kernelSize: [3, 3], activation: "relu" })`. */
  constructor(
    filters: number,
    kernelSizeOrOptions?: number | readonly number[] | Conv2DOptions,
    maybeOptions: Conv2DOptions = {},
  ) {
    const options = positionalSecond(kernelSizeOrOptions, maybeOptions, "kernelSize");
    super(options);
    const who = `${new.target.name}`;
    if (!(Number.isInteger(filters) && filters > 0))
      throw new Error(`${who}: filters must be a positive integer, got ${filters}`);
    if (options.kernelSize === undefined)
      throw new Error(`${who}: kernelSize is required, e.g. ${who}(${filters}, { kernelSize: [3, 3] })`);
    this.filters = filters;
    this.kernelSize = pair(options.kernelSize, "kernelSize", who);
    this.strides = pair(options.strides ?? 1, "strides", who);
    this.padding = parsePadding(options.padding, who);
    this.dilationRate = pair(options.dilationRate ?? 1, "dilationRate", who);
    this.activation = getActivation(options.activation);
    this.useBias = options.useBias ?? true;
    this.options = { ...options, kernelSize: this.kernelSize };
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    const channels = requireImageInput(this, shape);
    requirePositiveOutput(this, shape, this.computeOutputShape(shape).slice(1, 3), this.kernelSize);
    [this.kernel, this.bias] = addKernelAndBias(
      this,
      this.kernelShape(channels),
      this.filters,
      this.useBias,
      this.options,
    );
  }

  override call(inputs: LayerInputs): Tensor {
    let y = conv2d(inputs as Tensor, this.kernel!.value, {
      strides: this.strides,
      padding: this.padding,
      dilations: this.dilationRate,
    });
    if (this.bias) y = y.add(this.bias.value);
    return this.activation.fn(y);
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

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      activation: activationConfig(this),
      useBias: this.useBias,
      ...kernelBiasConfig(this.options),
    };
  }

  protected kernelShape(channels: number): number[] {
    return [...this.kernelSize, channels, this.filters];
  }
}

registerLayer("Conv2D", (c) => new Conv2D(c.filters as number, fromConfigOptions<Conv2DOptions>(c)));
