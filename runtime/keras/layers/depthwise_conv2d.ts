/**
 * DepthwiseConv2D: each input channel convolved with its own `depthMultiplier`
 * filters, kernel [kh, kw, inChannels, depthMultiplier] (Keras's
 * DepthwiseConv2D), and the window geometry SeparableConv2D shares with it.
 */
import type { Tensor } from "../../tensor";
import { getActivation, type ActivationIdentifier, type ResolvedActivation } from "../activations";
import type { InitializerIdentifier } from "../initializers";
import type { RegularizerIdentifier } from "../regularizers";
import { serializeInitializer } from "../initializers";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import { pair, type SymbolicShape } from "../utils/shape";
import { depthwiseConv2d } from "../../ops/depthwise";
import { activationConfig, fromConfigOptions, initializerOption, positionalSecond, regularizerConfig } from "./config";
import {
  windowOutputShape2D,
  parsePadding,
  requireImageInput,
  requirePositiveOutput,
  type PaddingMode,
} from "./conv_utils";

/** The options DepthwiseConv2D and SeparableConv2D share: the window, the multiplier, activation and bias. */
export interface DepthwiseWindowOptions extends LayerOptions {
  /** Window size; may also be given positionally, as in Keras. */
  kernelSize?: number | readonly number[];
  strides?: number | readonly number[];
  padding?: PaddingMode;
  /** Filters per input channel: the depthwise step outputs inChannels * depthMultiplier channels. Default 1. */
  depthMultiplier?: number;
  dilationRate?: number | readonly number[];
  activation?: ActivationIdentifier;
  useBias?: boolean;
  depthwiseInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
}

export type DepthwiseConv2DOptions = DepthwiseWindowOptions;

/**
 * What a layer built on a depthwise convolution holds: the window geometry,
 * the output shape it gives, and its part of the config.
 */
export abstract class DepthwiseWindowLayer extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;
  readonly depthMultiplier: number;
  readonly dilationRate: [number, number];
  readonly activation: ResolvedActivation;
  readonly useBias: boolean;
  protected readonly options: DepthwiseWindowOptions;

  constructor(options: DepthwiseWindowOptions, who: string, example: string) {
    super(options);
    if (options.kernelSize === undefined) throw new Error(`${who}: kernelSize is required, e.g. ${example}`);
    const multiplier = options.depthMultiplier ?? 1;
    if (!(Number.isInteger(multiplier) && multiplier > 0))
      throw new Error(`${who}: depthMultiplier must be a positive integer, got ${multiplier}`);
    this.kernelSize = pair(options.kernelSize, "kernelSize", who);
    this.strides = pair(options.strides ?? 1, "strides", who);
    this.padding = parsePadding(options.padding, who);
    this.depthMultiplier = multiplier;
    this.dilationRate = pair(options.dilationRate ?? 1, "dilationRate", who);
    // Keras refuses this pair for depthwise layers (TensorFlow's kernel cannot run it); models saved here stay loadable there.
    if (Math.max(...this.strides) > 1 && Math.max(...this.dilationRate) > 1) {
      throw new Error(
        `${who}: strides ${JSON.stringify(this.strides)} > 1 cannot be combined with dilationRate ${JSON.stringify(this.dilationRate)} > 1, as in Keras; use one or the other`,
      );
    }
    this.activation = getActivation(options.activation);
    this.useBias = options.useBias ?? true;
    this.options = { ...options, kernelSize: this.kernelSize };
  }

  /** Validates a [batch, height, width, channels] input the window fits, and adds the depthwise kernel as `name`. */
  protected buildDepthwiseKernel(inputShape: InputShapes, name: string): { channels: number; kernel: Weight } {
    const shape = inputShape as SymbolicShape;
    const channels = requireImageInput(this, shape);
    requirePositiveOutput(this, shape, this.computeOutputShape(shape).slice(1, 3), this.kernelSize);
    const kernel = this.addWeight(name, [...this.kernelSize, channels, this.depthMultiplier], {
      initializer: this.options.depthwiseInitializer ?? "glorot_uniform",
      regularizer: this.options.depthwiseRegularizer,
    });
    return { channels, kernel };
  }

  protected depthwise(x: Tensor, kernel: Weight): Tensor {
    return depthwiseConv2d(x, kernel.value, {
      strides: this.strides,
      padding: this.padding,
      dilations: this.dilationRate,
    });
  }

  protected addOptionalBias(units: number): Weight | null {
    return this.useBias
      ? this.addWeight("bias", [units], {
          initializer: this.options.biasInitializer ?? "zeros",
          regularizer: this.options.biasRegularizer,
        })
      : null;
  }

  /** The spatial output size, with `channels` channels. */
  protected windowOutputShape(inputShape: InputShapes, channels: number | null): SymbolicShape {
    return windowOutputShape2D(
      inputShape as SymbolicShape,
      this.kernelSize,
      this.strides,
      this.padding,
      this.dilationRate,
      channels,
    );
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      depthMultiplier: this.depthMultiplier,
      dilationRate: this.dilationRate,
      activation: activationConfig(this),
      useBias: this.useBias,
      depthwiseInitializer: serializeInitializer(
        initializerOption(this.options.depthwiseInitializer, "glorot_uniform"),
      ),
      biasInitializer: serializeInitializer(initializerOption(this.options.biasInitializer, "zeros")),
      depthwiseRegularizer: regularizerConfig(this.options.depthwiseRegularizer),
      biasRegularizer: regularizerConfig(this.options.biasRegularizer),
    };
  }
}

export class DepthwiseConv2D extends DepthwiseWindowLayer {
  kernel: Weight | null = null;
  bias: Weight | null = null;

  /** `DepthwiseConv2D(3, { depthMultiplier: 2 })` or `DepthwiseConv2D({ kernelSize: 3, padding: "same" })`. */
  constructor(
    kernelSizeOrOptions?: number | readonly number[] | DepthwiseConv2DOptions,
    maybeOptions: DepthwiseConv2DOptions = {},
  ) {
    const options = positionalSecond(kernelSizeOrOptions, maybeOptions, "kernelSize");
    super(options, new.target.name, `${new.target.name}(3) or ${new.target.name}({ kernelSize: [3, 3] })`);
  }

  override build(inputShape: InputShapes): void {
    const { channels, kernel } = this.buildDepthwiseKernel(inputShape, "kernel");
    this.kernel = kernel;
    this.bias = this.addOptionalBias(channels * this.depthMultiplier);
  }

  override call(inputs: LayerInputs): Tensor {
    let y = this.depthwise(inputs as Tensor, this.kernel!);
    if (this.bias) y = y.add(this.bias.value);
    return this.activation.fn(y);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const channels = (inputShape as SymbolicShape)[3];
    return this.windowOutputShape(inputShape, channels === null ? null : channels * this.depthMultiplier);
  }
}

registerLayer("DepthwiseConv2D", (c) => new DepthwiseConv2D(fromConfigOptions<DepthwiseConv2DOptions>(c)));
