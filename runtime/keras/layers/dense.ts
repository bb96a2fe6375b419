/** Dense: output = activation(input @ kernel + bias), on the last axis (Keras's Dense). */
import type { Tensor } from "../../tensor";
import { getActivation, type ActivationIdentifier, type ResolvedActivation } from "../activations";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import {
  activationConfig,
  addKernelAndBias,
  fromConfigOptions,
  kernelBiasConfig,
  type KernelBiasOptions,
} from "./config";

export interface DenseOptions extends LayerOptions, KernelBiasOptions {
  activation?: ActivationIdentifier;
  useBias?: boolean;
}

export class Dense extends Layer {
  readonly units: number;
  readonly activation: ResolvedActivation;
  readonly useBias: boolean;
  kernel: Weight | null = null;
  bias: Weight | null = null;
  private readonly options: DenseOptions;

  constructor(units: number, options: DenseOptions = {}) {
    super(options);
    if (!(Number.isInteger(units) && units > 0))
      throw new Error(`Dense: units must be a positive integer, got ${units}`);
    this.units = units;
    this.activation = getActivation(options.activation);
    this.useBias = options.useBias ?? true;
    this.options = options;
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    const inputDim = shape[shape.length - 1];
    if (shape.length < 2 || inputDim === null || typeof inputDim !== "number") {
      throw this.shapeError("expects an input of rank >= 2 with a known last dimension", shape);
    }
    [this.kernel, this.bias] = addKernelAndBias(this, [inputDim, this.units], this.units, this.useBias, this.options);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const kernel = this.kernel!.value;
    const flat = x.rank === 2 ? x : x.reshape([-1, x.shape[x.rank - 1]]);
    let y = flat.matmul(kernel);
    if (this.bias) y = y.add(this.bias.value);
    if (x.rank !== 2) y = y.reshape([...x.shape.slice(0, -1), this.units]);
    return this.activation.fn(y);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return [...(inputShape as SymbolicShape).slice(0, -1), this.units];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: activationConfig(this),
      useBias: this.useBias,
      ...kernelBiasConfig(this.options),
    };
  }
}

registerLayer("Dense", (c) => new Dense(c.units as number, fromConfigOptions(c)));
