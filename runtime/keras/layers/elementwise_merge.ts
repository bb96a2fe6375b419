/**
 * The merge layers that combine a list of same-shape tensors value by value
 * (Add, Subtract, Multiply, Average, Maximum, Minimum): one shape check, and
 * a subclass supplies only how the values combine.
 */
import type { Tensor } from "../../tensor";
import type { InputShapes, LayerInputs } from "../engine/layer";
import { formatShapes } from "../engine/layer";
import { shapesCompatible, type SymbolicShape } from "../utils/shape";
import { Merge } from "./merge";

export abstract class ElementwiseMerge extends Merge {
  /** The output for the input tensors, already checked to be at least two of one shape. */
  protected abstract combine(inputs: readonly Tensor[]): Tensor;

  override build(inputShape: InputShapes): void {
    this.computeOutputShape(inputShape);
  }

  override call(inputs: LayerInputs): Tensor {
    return this.combine(inputs as readonly Tensor[]);
  }

  /** The common shape; a dimension unknown in one input is taken from another (the batch axis broadcasts at run time). */
  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shapes = this.shapeList(inputShape);
    const first = shapes[0];
    const same = shapes.every((s) => shapesCompatible(first, s));
    if (!same) throw new Error(`${this.describe()} needs inputs of the same shape, but got ${formatShapes(shapes)}`);
    return first.map((d, i) => d ?? shapes.find((s) => s[i] !== null)?.[i] ?? null);
  }
}
