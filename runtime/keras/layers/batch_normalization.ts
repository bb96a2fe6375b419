/**
 * BatchNormalization over the last axis (channels). In training it normalises
 * with the batch's mean and variance and moves the running statistics toward
 * them; in inference, or when the layer is frozen (trainable = false, as Keras
 * does for fine-tuning), it uses the running statistics.
 */
import type { Tensor } from "../../tensor";
import { noGrad } from "../../autograd";
import { serializeInitializer, type InitializerIdentifier } from "../initializers";
import type { RegularizerIdentifier } from "../regularizers";
import {
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
} from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions, initializerOption, regularizerConfig } from "./config";

export interface BatchNormalizationOptions extends LayerOptions {
  /** The normalised axis; only the last (-1) is supported. */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier | null;
  gammaRegularizer?: RegularizerIdentifier | null;
}

export class BatchNormalization extends Layer {
  /** The running averages' momentum; writable, as in Keras (`layer.momentum = 0.9`), and read at each training step. */
  momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  gamma: Weight | null = null;
  beta: Weight | null = null;
  movingMean: Weight | null = null;
  movingVariance: Weight | null = null;
  private readonly options: BatchNormalizationOptions;

  constructor(options: BatchNormalizationOptions = {}) {
    super(options);
    if ((options.axis ?? -1) !== -1)
      throw new Error(`BatchNormalization: only axis -1 (channels last) is supported, got ${options.axis}`);
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
    this.center = options.center ?? true;
    this.scale = options.scale ?? true;
    this.options = options;
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || channels === null)
      throw this.shapeError("needs an input of rank >= 2 with a known last axis", shape);
    const o = this.options;
    if (this.scale)
      this.gamma = this.addWeight("gamma", [channels], {
        initializer: o.gammaInitializer ?? "ones",
        regularizer: o.gammaRegularizer,
      });
    if (this.center)
      this.beta = this.addWeight("beta", [channels], {
        initializer: o.betaInitializer ?? "zeros",
        regularizer: o.betaRegularizer,
      });
    this.movingMean = this.addWeight("moving_mean", [channels], {
      initializer: o.movingMeanInitializer ?? "zeros",
      trainable: false,
    });
    this.movingVariance = this.addWeight("moving_variance", [channels], {
      initializer: o.movingVarianceInitializer ?? "ones",
      trainable: false,
    });
  }

  override call(inputs: LayerInputs, options: CallOptions): Tensor {
    const x = inputs as Tensor;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    let mean: Tensor;
    let variance: Tensor;
    if (options.training && this.trainable) {
      mean = x.mean(axes);
      variance = x.sub(mean).square().mean(axes);
      noGrad(() => {
        const m = this.momentum;
        this.movingMean!.write(this.movingMean!.value.mul(m).add(mean.mul(1 - m)));
        this.movingVariance!.write(this.movingVariance!.value.mul(m).add(variance.mul(1 - m)));
      });
    } else {
      mean = this.movingMean!.value;
      variance = this.movingVariance!.value;
    }
    let y = x.sub(mean).div(variance.add(this.epsilon).sqrt());
    if (this.gamma) y = y.mul(this.gamma.value);
    if (this.beta) y = y.add(this.beta.value);
    return y;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    const o = this.options;
    return {
      ...super.getConfig(),
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: serializeInitializer(initializerOption(o.betaInitializer, "zeros")),
      gammaInitializer: serializeInitializer(initializerOption(o.gammaInitializer, "ones")),
      movingMeanInitializer: serializeInitializer(initializerOption(o.movingMeanInitializer, "zeros")),
      movingVarianceInitializer: serializeInitializer(initializerOption(o.movingVarianceInitializer, "ones")),
      betaRegularizer: regularizerConfig(o.betaRegularizer),
      gammaRegularizer: regularizerConfig(o.gammaRegularizer),
    };
  }
}

registerLayer("BatchNormalization", (c) => new BatchNormalization(fromConfigOptions(c)));
