/**
 * SeparableConv2D: a depthwise convolution (kernel [kh, kw, inChannels,
 * depthMultiplier]) followed by a 1x1 pointwise convolution (kernel
 * [1, 1, inChannels * depthMultiplier, filters]) that mixes the channels
 * (Keras's SeparableConv2D; MobileNet's building block).
 */
import type { Tensor } from "../../tensor";
import type { InitializerIdentifier } from "../initializers";
import type { RegularizerIdentifier } from "../regularizers";
import { serializeInitializer } from "../initializers";
import type { InputShapes, LayerConfig, LayerInputs } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import { conv2d } from "../../ops/conv";
import { fromConfigOptions, initializerOption, positionalSecond, regularizerConfig } from "./config";
import { DepthwiseWindowLayer, type DepthwiseWindowOptions } from "./depthwise_conv2d";

export interface SeparableConv2DOptions extends DepthwiseWindowOptions {
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier | null;
}

export class SeparableConv2D extends DepthwiseWindowLayer {
  readonly filters: number;
  depthwiseKernel: Weight | null = null;
  pointwiseKernel: Weight | null = null;
  bias: Weight | null = null;
  private readonly pointwiseOptions: SeparableConv2DOptions;

  /** `SeparableConv2D(64, 3, { padding: "same" })` or `SeparableConv2D(64, { kernelSize: [3, 3] })`. */
  constructor(
    filters: number,
    kernelSizeOrOptions?: number | readonly number[] | SeparableConv2DOptions,
    maybeOptions: SeparableConv2DOptions = {},
  ) {
    const options = positionalSecond(kernelSizeOrOptions, maybeOptions, "kernelSize");
    const who = new.target.name;
    super(options, who, `${who}(${filters}, 3) or ${who}(${filters}, { kernelSize: [3, 3] })`);
    if (!(Number.isInteger(filters) && filters > 0))
      throw new Error(`${who}: filters must be a positive integer, got ${filters}`);
    this.filters = filters;
    this.pointwiseOptions = options;
  }

  override build(inputShape: InputShapes): void {
    const { channels, kernel } = this.buildDepthwiseKernel(inputShape, "depthwise_kernel");
    this.depthwiseKernel = kernel;
    this.pointwiseKernel = this.addWeight("pointwise_kernel", [1, 1, channels * this.depthMultiplier, this.filters], {
      initializer: this.pointwiseOptions.pointwiseInitializer ?? "glorot_uniform",
      regularizer: this.pointwiseOptions.pointwiseRegularizer,
    });
    this.bias = this.addOptionalBias(this.filters);
  }

  override call(inputs: LayerInputs): Tensor {
    let y = conv2d(this.depthwise(inputs as Tensor, this.depthwiseKernel!), this.pointwiseKernel!.value);
    if (this.bias) y = y.add(this.bias.value);
    return this.activation.fn(y);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return this.windowOutputShape(inputShape, this.filters);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      pointwiseInitializer: serializeInitializer(
        initializerOption(this.pointwiseOptions.pointwiseInitializer, "glorot_uniform"),
      ),
      pointwiseRegularizer: regularizerConfig(this.pointwiseOptions.pointwiseRegularizer),
    };
  }
}

registerLayer(
  "SeparableConv2D",
  (c) => new SeparableConv2D(c.filters as number, fromConfigOptions<SeparableConv2DOptions>(c)),
);
