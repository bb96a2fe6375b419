/**
 * BaseConv: what Conv1D, Conv2D and Conv2DTranspose share, as Keras's
 * BaseConv: the filters and window options with their checks and errors, the
 * kernel and bias weights, the bias-then-activation end of call(), and the
 * config. A subclass says how its sizes are written (a number in 1-D, a pair
 * in 2-D) and which paddings it takes (ConvSpec), its kernel's shape, its
 * convolution and its output shape.
 *
 * DepthwiseConv2D and SeparableConv2D are not built on it: they have no
 * `filters` (depthwise) or three weights with their own option names, as in
 * Keras, where they have their own base classes too.
 */
import type { Tensor } from "../../tensor";
import { biasRelu } from "../../ops/activation";
import { getActivation, type ActivationIdentifier, type ResolvedActivation } from "../activations";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import type { Weight } from "../engine/weight";
import { pair, type SymbolicShape } from "../utils/shape";
import { activationConfig, addKernelAndBias, kernelBiasConfig, type KernelBiasOptions } from "./config";
import { requireImageInput, requirePositiveOutput, requireSequenceInput, single, type PaddingMode } from "./conv_utils";

/** The options of a convolution layer; `P` is the padding modes it takes. */
export interface ConvOptions<P extends string = PaddingMode> extends LayerOptions, KernelBiasOptions {
  /** Window size (length in 1-D); may also be given as the second positional argument, as in Keras. */
  kernelSize?: number | readonly number[];
  strides?: number | readonly number[];
  padding?: P;
  dilationRate?: number | readonly number[];
  activation?: ActivationIdentifier;
  useBias?: boolean;
}

/** How sizes are written along the spatial axes: a number in 1-D, a pair in 2-D. */
interface ConvRank<Size> {
  /** Spatial axes: 1 for NWC sequences, 2 for NHWC images. */
  rank: 1 | 2;
  /** An option as given (`3`, `[3]`, `[3, 3]`) to the stored size; throws naming the option and the layer. */
  size: (value: number | readonly number[], what: string, layer: string) => Size;
  /** A stored size as one number per spatial axis (the config's and the errors' form). */
  perAxis: (size: Size) => readonly number[];
  /** The kernelSize that the missing-kernelSize error shows. */
  example: string;
}

export const CONV_1D: ConvRank<number> = { rank: 1, size: single, perAxis: (size) => [size], example: "3" };
export const CONV_2D: ConvRank<[number, number]> = { rank: 2, size: pair, perAxis: (size) => size, example: "[3, 3]" };

/** What a subclass gives BaseConv: the layer's name for errors, its rank and its padding parser. */
export interface ConvSpec<Size, P extends string> extends ConvRank<Size> {
  who: string;
  parsePadding: (value: string | undefined, layer: string) => P;
}

export abstract class BaseConv<Size extends number | readonly number[], P extends string> extends Layer {
  readonly filters: number;
  readonly kernelSize: Size;
  readonly strides: Size;
  readonly padding: P;
  readonly dilationRate: Size;
  readonly activation: ResolvedActivation;
  readonly useBias: boolean;
  kernel: Weight | null = null;
  bias: Weight | null = null;
  protected readonly options: ConvOptions<P>;
  private readonly spec: ConvSpec<Size, P>;

  protected constructor(filters: number, options: ConvOptions<P>, spec: ConvSpec<Size, P>) {
    super(options);
    const { who } = spec;
    if (!(Number.isInteger(filters) && filters > 0))
      throw new Error(`${who}: filters must be a positive integer, got ${filters}`);
    if (options.kernelSize === undefined)
      throw new Error(`${who}: kernelSize is required, e.g. ${who}(${filters}, { kernelSize: ${spec.example} })`);
    this.filters = filters;
    this.kernelSize = spec.size(options.kernelSize, "kernelSize", who);
    this.strides = spec.size(options.strides ?? 1, "strides", who);
    this.padding = spec.parsePadding(options.padding, who);
    this.dilationRate = spec.size(options.dilationRate ?? 1, "dilationRate", who);
    this.checkWindow(who);
    this.activation = getActivation(options.activation);
    this.useBias = options.useBias ?? true;
    this.options = options;
    this.spec = spec;
  }

  /** Kernel [...window, inChannels, filters] for a convolution; a transposed one swaps the last two. */
  protected abstract kernelShape(channels: number): number[];

  /** The convolution of `x` with the kernel, before bias and activation. */
  protected abstract convolve(x: Tensor): Tensor;

  /** Refuses option combinations the layer cannot run; called once the sizes are parsed. None by default. */
  protected checkWindow(_who: string): void {}

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    const rank = this.spec.rank;
    const channels = rank === 1 ? requireSequenceInput(this, shape) : requireImageInput(this, shape);
    requirePositiveOutput(
      this,
      shape,
      this.computeOutputShape(shape).slice(1, 1 + rank),
      this.spec.perAxis(this.kernelSize),
    );
    [this.kernel, this.bias] = addKernelAndBias(
      this,
      this.kernelShape(channels),
      this.filters,
      this.useBias,
      this.options,
    );
  }

  override call(inputs: LayerInputs): Tensor {
    let y = this.convolve(inputs as Tensor);
    // Bias and relu in one pass where the backend has the kernel (same values).
    if (this.bias && this.activation.name === "relu") return biasRelu(y, this.bias.value);
    if (this.bias) y = y.add(this.bias.value);
    return this.activation.fn(y);
  }

  override getConfig(): LayerConfig {
    const { perAxis } = this.spec;
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: perAxis(this.kernelSize),
      strides: perAxis(this.strides),
      padding: this.padding,
      dilationRate: perAxis(this.dilationRate),
      activation: activationConfig(this),
      useBias: this.useBias,
      ...kernelBiasConfig(this.options),
    };
  }
}
