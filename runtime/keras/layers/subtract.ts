/** Subtract: the first of exactly two same-shape tensors minus the second. */
import type { Tensor } from "../../tensor";
import { formatShapes, type InputShapes } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";
import { ElementwiseMerge } from "./elementwise_merge";

export class Subtract extends ElementwiseMerge {
  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shapes = this.shapeList(inputShape);
    if (shapes.length !== 2)
      throw new Error(
        `${this.describe()} takes exactly 2 inputs, layer([a, b]) for a - b, but got ${shapes.length}: ${formatShapes(shapes)}`,
      );
    return super.computeOutputShape(inputShape);
  }

  protected override combine(inputs: readonly Tensor[]): Tensor {
    return inputs[0].sub(inputs[1]);
  }
}

registerLayer("Subtract", (c) => new Subtract(fromConfigOptions(c)));
