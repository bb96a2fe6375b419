/**
 * Dot: for each example, the dot product of two tensors along one axis of
 * each (Keras's batch_dot). With `normalize`, both are first scaled to unit
 * L2 norm along those axes, so the result is their cosine similarity.
 */
import type { Tensor } from "../../tensor";
import { matmul } from "../../ops/linalg";
import { maximum } from "../../ops/math";
import { sum } from "../../ops/reduce";
import { transpose } from "../../ops/shape";
import { formatShapes, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions, positionalSecond } from "./config";
import { Merge } from "./merge";

export type DotAxes = number | readonly [number, number];

export interface DotOptions extends LayerOptions {
  /** The axis (or one per input) to contract; negative counts from the end; never 0, the batch axis. */
  axes?: DotAxes;
  /** L2-normalize both inputs along the axes first (cosine similarity). Default false. */
  normalize?: boolean;
}

/** Keras's l2_normalize epsilon: keeps an all-zero vector at zero instead of dividing by 0. */
const NORM_EPSILON = 1e-12;

export class Dot extends Merge {
  readonly axes: DotAxes;
  readonly normalize: boolean;

  /** `Dot(1)`, `Dot([2, 2], { normalize: true })` or `Dot({ axes: 1 })`, as Keras's Dot(axes, normalize). */
  constructor(axes: DotAxes | DotOptions, options: DotOptions = {}) {
    const merged = positionalSecond(axes, options, "axes");
    super(merged);
    if (merged.axes === undefined)
      throw new Error("Dot: axes is required, e.g. layers.Dot(1) or layers.Dot({ axes: [2, 2] })");
    const list = typeof merged.axes === "number" ? [merged.axes] : merged.axes;
    if (
      !Array.isArray(list) ||
      (typeof merged.axes !== "number" && list.length !== 2) ||
      !list.every(Number.isInteger)
    ) {
      throw new Error(`Dot: axes must be an integer or a pair of integers, got ${JSON.stringify(merged.axes)}`);
    }
    this.axes = typeof merged.axes === "number" ? merged.axes : [list[0], list[1]];
    this.normalize = merged.normalize ?? false;
  }

  override build(inputShape: InputShapes): void {
    this.computeOutputShape(inputShape);
  }

  override call(inputs: LayerInputs): Tensor {
    const [a, b] = inputs as readonly Tensor[];
    const [ax, ay] = this.resolveAxes(a.rank, b.rank);
    const x = this.normalize ? l2Normalize(a, ax) : a;
    const y = this.normalize ? l2Normalize(b, ay) : b;
    // [B, rest of x, k] @ [B, k, rest of y]: one matmul per example.
    const xRest = restAxes(x.rank, ax);
    const yRest = restAxes(y.rank, ay);
    const k = x.shape[ax];
    const xm = transpose(x, [0, ...xRest, ax]).reshape([x.shape[0], -1, k]);
    const ym = transpose(y, [0, ay, ...yRest]).reshape([y.shape[0], k, -1]);
    const out = matmul(xm, ym);
    const outShape = [...xRest.map((i) => x.shape[i]), ...yRest.map((i) => y.shape[i])];
    return out.reshape([out.shape[0], ...(outShape.length === 0 ? [1] : outShape)]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shapes = this.shapeList(inputShape);
    if (shapes.length !== 2 || shapes.some((s) => s.length < 2)) {
      throw new Error(
        `${this.describe()} takes exactly 2 inputs of rank 2 or more (batch axis included), but got ${formatShapes(shapes)}`,
      );
    }
    const [sx, sy] = shapes;
    const [ax, ay] = this.resolveAxes(sx.length, sy.length);
    if (sx[ax] !== null && sy[ay] !== null && sx[ax] !== sy[ay]) {
      throw new Error(
        `${this.describe()}: the contracted sizes differ, ${sx[ax]} (axis ${ax} of the first input) and ${sy[ay]} (axis ${ay} of the second); input shapes ${formatShapes(shapes)}`,
      );
    }
    const rest = [...restAxes(sx.length, ax).map((i) => sx[i]), ...restAxes(sy.length, ay).map((i) => sy[i])];
    return [sx[0] ?? sy[0], ...(rest.length === 0 ? [1] : rest)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }

  /** Both axes as non-negative indices for inputs of these ranks; an int applies to each input, as Keras. */
  private resolveAxes(rankX: number, rankY: number): [number, number] {
    const [a, b] = typeof this.axes === "number" ? [this.axes, this.axes] : this.axes;
    const resolved: [number, number] = [a < 0 ? a + rankX : a, b < 0 ? b + rankY : b];
    if (resolved[0] < 1 || resolved[0] >= rankX || resolved[1] < 1 || resolved[1] >= rankY) {
      throw new Error(
        `${this.describe()}: axes ${JSON.stringify(this.axes)} do not name a non-batch axis of inputs of rank ${rankX} and ${rankY}`,
      );
    }
    return resolved;
  }
}

/** The axes of a rank-`rank` tensor other than the batch axis and `axis`, in order. */
function restAxes(rank: number, axis: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 0 && i !== axis);
}

function l2Normalize(t: Tensor, axis: number): Tensor {
  return t.div(maximum(sum(t.square(), axis, true), NORM_EPSILON).sqrt());
}

registerLayer("Dot", (c) => new Dot(fromConfigOptions<DotOptions>(c)));
