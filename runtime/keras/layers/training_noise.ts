/**
 * The regularisation layers that perturb their input only while training
 * (GaussianNoise, GaussianDropout, SpatialDropout1D/2D) and pass it through
 * unchanged otherwise, as Keras's. Their noise comes from the runtime's seeded
 * generator, so nn.seed makes a training run repeatable.
 */
import type { Tensor } from "../../tensor";
import { Layer, type CallOptions, type InputShapes, type LayerInputs } from "../engine/layer";
import type { SymbolicShape } from "../utils/shape";

export abstract class TrainingNoise extends Layer {
  /** The perturbed input, called only in training mode. */
  protected abstract addNoise(x: Tensor): Tensor;

  override call(inputs: LayerInputs, options: CallOptions): Tensor {
    const x = inputs as Tensor;
    return options.training ? this.addNoise(x) : x;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }
}
