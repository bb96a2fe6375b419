/** The shared checks of layers that take a list of tensors (Concatenate, Add). */
import { Layer, isShapeList, type InputShapes } from "../engine/layer";
import type { SymbolicShape } from "../utils/shape";

export abstract class Merge extends Layer {
  /** The input shapes as a list of at least two, or an error naming the layer. */
  protected shapeList(inputShape: InputShapes): readonly SymbolicShape[] {
    if (!isShapeList(inputShape) || inputShape.length < 2) {
      throw this.shapeError("expects a list of at least 2 inputs, e.g. layer([a, b])", inputShape);
    }
    return inputShape;
  }
}
