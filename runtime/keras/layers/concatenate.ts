/** Concatenate: joins a list of tensors along one axis (default the last); the other axes must match. */
import type { Tensor } from "../../tensor";
import type { InputShapes, LayerConfig, LayerInputs, LayerOptions } from "../engine/layer";
import { formatShapes } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { concat } from "../../ops/shape";
import { fromConfigOptions } from "./config";
import { Merge } from "./merge";

export interface ConcatenateOptions extends LayerOptions {
  axis?: number;
}

export class Concatenate extends Merge {
  readonly axis: number;

  constructor(options: ConcatenateOptions = {}) {
    super(options);
    this.axis = options.axis ?? -1;
  }

  override build(inputShape: InputShapes): void {
    this.computeOutputShape(inputShape);
  }

  override call(inputs: LayerInputs): Tensor {
    const list = inputs as readonly Tensor[];
    return concat(list, this.axis < 0 ? this.axis + list[0].rank : this.axis);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shapes = this.shapeList(inputShape);
    const rank = shapes[0].length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    const mismatch = shapes.some(
      (s) =>
        s.length !== rank ||
        s.some((d, i) => i !== axis && i !== 0 && d !== null && shapes[0][i] !== null && d !== shapes[0][i]),
    );
    if (axis < 1 || axis >= rank || mismatch) {
      throw new Error(
        `${this.describe()} needs inputs whose shapes match except on axis ${this.axis}, but got ${formatShapes(shapes)}`,
      );
    }
    const joined = shapes.some((s) => s[axis] === null) ? null : shapes.reduce((n, s) => n + (s[axis] as number), 0);
    return shapes[0].map((d, i) => (i === axis ? joined : d));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

registerLayer("Concatenate", (c) => new Concatenate(fromConfigOptions(c)));
