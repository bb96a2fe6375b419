/** Activation: applies an activation function by name ("relu", "softmax", ...) or a function of a tensor. */
import type { Tensor } from "../../tensor";
import { getActivation, type ActivationIdentifier, type ResolvedActivation } from "../activations";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { activationConfig, fromConfigOptions } from "./config";

export class Activation extends Layer {
  readonly activation: ResolvedActivation;

  constructor(activation: ActivationIdentifier, options: LayerOptions = {}) {
    super(options);
    this.activation = getActivation(activation);
  }

  override call(inputs: LayerInputs): Tensor {
    return this.activation.fn(inputs as Tensor);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: activationConfig(this) };
  }
}

registerLayer("Activation", (c) => new Activation(c.activation as string, fromConfigOptions(c)));
