/**
 * Lambda: a layer that applies a function of tensors, for a quick operation
 * without writing a Layer subclass: `layers.Lambda((x) => x.mul(2))`,
 * `layers.Lambda(([a, b]) => a.sub(b).abs())`. A function cannot be written
 * to JSON, so a model holding a Lambda cannot be saved with save(); its
 * weights can (saveWeights), and the model is rebuilt in code to load them.
 */
import type { Tensor } from "../../tensor";
import {
  Layer,
  isShapeList,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
} from "../engine/layer";
import type { SymbolicShape } from "../utils/shape";

/**
 * What the function receives: one tensor when the layer is called on one, the
 * list when called on a list. Typed as both so that `(x) => x.mul(2)` and
 * `([a, b]) => a.add(b)` type-check without annotations.
 */
export type LambdaInputs = Tensor & readonly Tensor[];

export type LambdaFunction = (inputs: LambdaInputs, options: CallOptions) => Tensor;

export interface LambdaOptions extends LayerOptions {
  /**
   * The output shape without the batch axis, or a function from the input
   * shape(s) to the full output shape. Needed when the shape cannot be found
   * by running the function on zeros (an input with unknown dimensions).
   */
  outputShape?: readonly (number | null)[] | ((inputShape: InputShapes) => SymbolicShape);
}

export class Lambda extends Layer {
  readonly fn: LambdaFunction;
  readonly outputShape: LambdaOptions["outputShape"];

  constructor(fn: LambdaFunction, options: LambdaOptions = {}) {
    super(options);
    if (typeof fn !== "function")
      throw new Error(`Lambda: the first argument must be a function of the input tensor(s), got ${typeof fn}`);
    this.fn = fn;
    this.outputShape = options.outputShape;
  }

  override call(inputs: LayerInputs, options: CallOptions): Tensor {
    return this.fn(inputs as LambdaInputs, options);
  }

  /** From `outputShape` when given, else by running the function once on zeros (Layer's probe). */
  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const given = this.outputShape;
    if (typeof given === "function") return given(inputShape);
    if (given) return [batchOf(inputShape), ...given];
    return super.computeOutputShape(inputShape);
  }

  /** Always throws: the function cannot be saved, and this happens before save() writes anything. */
  override getConfig(): LayerConfig {
    throw new Error(
      `${this.describe()} wraps a JavaScript function, which cannot be saved as JSON, so model.save() refuses the model; ` +
        "save the weights with model.saveWeights(path) and rebuild the model in code before loadWeights, or replace the Lambda with a Layer subclass registered with keras.saving.registerLayer",
    );
  }
}

function batchOf(inputShape: InputShapes): number | null {
  return isShapeList(inputShape) ? inputShape[0][0] : inputShape[0];
}
