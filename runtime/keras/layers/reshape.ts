/** Reshape: a new shape for each example (batch axis kept); one entry may be -1 (Keras's Reshape). */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { formatShape, type SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";

export class Reshape extends Layer {
  readonly targetShape: readonly number[];

  constructor(targetShape: readonly number[], options: LayerOptions = {}) {
    super(options);
    // Checked as `unknown` for untyped callers, so that the check leaves targetShape typed as numbers.
    const given: unknown = targetShape;
    if (
      !Array.isArray(given) ||
      targetShape.some((d) => !Number.isInteger(d) || (d <= 0 && d !== -1)) ||
      targetShape.filter((d) => d === -1).length > 1
    ) {
      throw new Error(
        `Reshape: targetShape must be positive integers with at most one -1, got ${JSON.stringify(targetShape)}`,
      );
    }
    this.targetShape = [...targetShape];
  }

  override build(inputShape: InputShapes): void {
    this.resolve(inputShape as SymbolicShape);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    return x.reshape([x.shape[0], ...(this.resolve(x.shape).slice(1) as number[])]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return this.resolve(inputShape as SymbolicShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }

  private resolve(shape: SymbolicShape): SymbolicShape {
    const rest = shape.slice(1);
    if (rest.some((d) => d === null)) return [shape[0], ...this.targetShape.map((d) => (d === -1 ? null : d))];
    const size = (rest as number[]).reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = this.targetShape.includes(-1);
    if ((free && size % known !== 0) || (!free && size !== known)) {
      throw this.shapeError(
        `cannot reshape ${size} values per example into target shape ${formatShape(this.targetShape)}`,
        shape,
      );
    }
    return [shape[0], ...this.targetShape.map((d) => (d === -1 ? size / known : d))];
  }
}

registerLayer("Reshape", (c) => new Reshape(c.targetShape as number[], fromConfigOptions(c)));
