/** RepeatVector: (batch, features) to (batch, n, features), the same vector n times (an encoder's state fed to every decoder step). */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";

export class RepeatVector extends Layer {
  readonly n: number;

  constructor(n: number, options: LayerOptions = {}) {
    super(options);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`RepeatVector: n must be a positive integer, got ${JSON.stringify(n)}`);
    this.n = n;
  }

  override build(inputShape: InputShapes): void {
    if ((inputShape as SymbolicShape).length !== 2)
      throw this.shapeError("needs inputs of shape (batch, features)", inputShape);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    return x.expandDims(1).broadcastTo([x.shape[0], this.n, x.shape[1]]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [batch, features] = inputShape as SymbolicShape;
    return [batch, this.n, features];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), n: this.n };
  }
}

registerLayer("RepeatVector", (c) => new RepeatVector(c.n as number, fromConfigOptions(c)));
