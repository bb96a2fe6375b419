/** Add: the elementwise sum of a list of tensors of the same shape (a residual connection). */
import type { Tensor } from "../../tensor";
import type { InputShapes, LayerInputs } from "../engine/layer";
import { formatShapes } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { shapesCompatible, type SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";
import { Merge } from "./merge";

export class Add extends Merge {
  override build(inputShape: InputShapes): void {
    this.computeOutputShape(inputShape);
  }

  override call(inputs: LayerInputs): Tensor {
    const list = inputs as readonly Tensor[];
    return list.slice(1).reduce((sum, t) => sum.add(t), list[0]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shapes = this.shapeList(inputShape);
    const first = shapes[0];
    const same = shapes.every((s) => shapesCompatible(first, s));
    if (!same) throw new Error(`${this.describe()} needs inputs of the same shape, but got ${formatShapes(shapes)}`);
    return first.map((d, i) => d ?? shapes.find((s) => s[i] !== null)?.[i] ?? null);
  }
}

registerLayer("Add", (c) => new Add(fromConfigOptions(c)));
