/** Flatten: every axis but the batch axis into one (Keras's Flatten). */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerInputs } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";

export class Flatten extends Layer {
  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    if (shape.slice(1).some((d) => d === null)) throw this.shapeError("needs every non-batch dimension known", shape);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    return x.reshape([x.shape[0], x.size / Math.max(x.shape[0], 1)]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    return [shape[0], (shape.slice(1) as number[]).reduce((a, b) => a * b, 1)];
  }
}

registerLayer("Flatten", (c) => new Flatten(fromConfigOptions(c)));
