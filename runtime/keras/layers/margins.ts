/**
 * The shared body of ZeroPadding1D/2D and Cropping1D/2D: a [before, after]
 * margin per spatial axis, added as zeros or cut off. Margins are given as
 * Keras accepts them: one number for every side, one number per axis, or
 * [before, after] per axis.
 */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerInputs, type LayerOptions } from "../engine/layer";
import type { SymbolicShape } from "../utils/shape";
import { pad, slice } from "../../ops/shape";
import { requireImageInput, requireSequenceInput } from "./conv_utils";

export type Margins1D = number | readonly number[];
export type Margins2D = number | readonly number[] | readonly (readonly number[])[];

export abstract class SpatialMargins extends Layer {
  /** [before, after] for each spatial axis: [[left, right]] for sequences, [[top, bottom], [left, right]] for images. */
  readonly margins: [number, number][];
  protected abstract readonly kind: "pad" | "crop";

  protected constructor(options: LayerOptions, margins: [number, number][]) {
    super(options);
    this.margins = margins;
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    if (this.margins.length === 1) requireSequenceInput(this, shape);
    else requireImageInput(this, shape);
    const out = this.computeOutputShape(shape);
    if (out.some((d) => d !== null && d <= 0)) {
      throw this.shapeError(
        `crops ${JSON.stringify(this.margins)} but that leaves nothing of the input (output ${JSON.stringify(out.slice(1, -1))}); crop less`,
        shape,
      );
    }
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const whole: [number, number] = [0, 0];
    if (this.kind === "pad") return pad(x, [whole, ...this.margins, whole]);
    const begin = [0, ...this.margins.map(([before]) => before), 0];
    const size = x.shape.map((d, i) =>
      i === 0 || i === x.rank - 1 ? d : d - this.margins[i - 1][0] - this.margins[i - 1][1],
    );
    return slice(x, begin, size);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    const sign = this.kind === "pad" ? 1 : -1;
    return shape.map((d, i) => {
      if (i === 0 || i === shape.length - 1 || d === null) return d;
      const [before, after] = this.margins[i - 1];
      return d + sign * (before + after);
    });
  }
}

/** `n` -> [n, n]; [before, after] as given. */
export function margins1D(value: Margins1D, what: string, layer: string): [number, number][] {
  const v = typeof value === "number" ? [value, value] : [...value];
  if (v.length !== 2 || !v.every(isCount)) {
    throw new Error(
      `${layer}: ${what} must be a non-negative integer or [before, after], got ${JSON.stringify(value)}`,
    );
  }
  return [[v[0], v[1]]];
}

/** `n` -> [[n, n], [n, n]]; [h, w] -> [[h, h], [w, w]]; [[top, bottom], [left, right]] as given. */
export function margins2D(value: Margins2D, what: string, layer: string): [number, number][] {
  const bad = () =>
    new Error(
      `${layer}: ${what} must be a non-negative integer, [height, width] or [[top, bottom], [left, right]], got ${JSON.stringify(value)}`,
    );
  if (typeof value === "number") {
    if (!isCount(value)) throw bad();
    return [
      [value, value],
      [value, value],
    ];
  }
  if (value.length !== 2) throw bad();
  const axes = value.map((a) => (typeof a === "number" ? [a, a] : [...a]));
  if (!axes.every((a) => a.length === 2 && a.every(isCount))) throw bad();
  return axes.map((a) => [a[0], a[1]]);
}

function isCount(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0;
}
