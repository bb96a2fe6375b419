/**
 * ReLU (Keras's layer): x from `threshold` up to `maxValue`, capped at
 * `maxValue`, and negativeSlope * (x - threshold) below the threshold.
 * The defaults give the plain max(x, 0).
 */
import type { Tensor } from "../../tensor";
import { relu } from "../../ops/activation";
import { ge, minimum, where } from "../../ops/math";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions, positionalSecond } from "./config";

export interface ReLUOptions extends LayerOptions {
  /** The largest output (no cap by default); must be >= 0. */
  maxValue?: number | null;
  /** Slope below the threshold (default 0); must be >= 0. */
  negativeSlope?: number;
  /** Inputs below it are "negative" (default 0); must be >= 0. */
  threshold?: number;
}

export class ReLU extends Layer {
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;

  /** `ReLU()`, `ReLU(6)` (Keras's first positional argument, max_value) or `ReLU({ maxValue: 6 })`. */
  constructor(maxValue?: number | ReLUOptions, options: ReLUOptions = {}) {
    const o = positionalSecond(maxValue, options, "maxValue");
    super(o);
    this.maxValue = o.maxValue ?? null;
    this.negativeSlope = o.negativeSlope ?? 0;
    this.threshold = o.threshold ?? 0;
    for (const [key, value] of [
      ["maxValue", this.maxValue ?? 0],
      ["negativeSlope", this.negativeSlope],
      ["threshold", this.threshold],
    ] as const) {
      if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`ReLU: ${key} must be a number >= 0, got ${value}`);
    }
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const plain = this.negativeSlope === 0 && this.threshold === 0;
    const below = plain ? relu(x) : where(ge(x, this.threshold), x, x.sub(this.threshold).mul(this.negativeSlope));
    return this.maxValue === null ? below : minimum(below, this.maxValue);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      maxValue: this.maxValue,
      negativeSlope: this.negativeSlope,
      threshold: this.threshold,
    };
  }
}

registerLayer("ReLU", (c) => new ReLU(fromConfigOptions<ReLUOptions>(c)));
