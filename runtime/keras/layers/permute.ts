/**
 * Permute: reorders the axes of each example. `dims` numbers the axes from 1
 * and leaves out the batch axis, as Keras: Permute([2, 1]) turns
 * (batch, steps, features) into (batch, features, steps).
 */
import type { Tensor } from "../../tensor";
import { transpose } from "../../ops/shape";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";

export class Permute extends Layer {
  readonly dims: readonly number[];

  constructor(dims: readonly number[], options: LayerOptions = {}) {
    super(options);
    // Checked as `unknown` for untyped callers, so that the check leaves dims typed as numbers.
    const given: unknown = dims;
    const sorted = Array.isArray(given) ? [...dims].sort((a, b) => a - b) : [];
    if (sorted.length === 0 || sorted.some((d, i) => d !== i + 1)) {
      throw new Error(
        `Permute: dims must hold each of 1..n once (axes numbered from 1, batch axis excluded), e.g. [2, 1]; got ${JSON.stringify(dims)}`,
      );
    }
    this.dims = [...dims];
  }

  override build(inputShape: InputShapes): void {
    if ((inputShape as SymbolicShape).length !== this.dims.length + 1) {
      throw this.shapeError(
        `permutes ${this.dims.length} axes (dims ${JSON.stringify(this.dims)}), so needs inputs of rank ${this.dims.length + 1} with the batch axis`,
        inputShape,
      );
    }
  }

  override call(inputs: LayerInputs): Tensor {
    return transpose(inputs as Tensor, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    return [shape[0], ...this.dims.map((d) => shape[d])];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dims: this.dims };
  }
}

registerLayer("Permute", (c) => new Permute(c.dims as number[], fromConfigOptions(c)));
