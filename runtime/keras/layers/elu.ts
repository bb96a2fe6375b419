/** ELU (Keras's layer): x for x > 0, alpha * (e^x - 1) below (default alpha 1). */
import type { Tensor } from "../../tensor";
import { elu } from "../../ops/activation";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions, positionalSecond } from "./config";

export interface ELUOptions extends LayerOptions {
  /** Scale of the negative part; default 1. */
  alpha?: number;
}

export class ELU extends Layer {
  readonly alpha: number;

  /** `ELU()`, `ELU(0.5)` (Keras's positional alpha) or `ELU({ alpha: 0.5 })`. */
  constructor(alpha?: number | ELUOptions, options: ELUOptions = {}) {
    const o = positionalSecond(alpha, options, "alpha");
    super(o);
    this.alpha = o.alpha ?? 1;
    if (!Number.isFinite(this.alpha)) throw new Error(`ELU: alpha must be a finite number, got ${this.alpha}`);
  }

  override call(inputs: LayerInputs): Tensor {
    return elu(inputs as Tensor, this.alpha);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

registerLayer("ELU", (c) => new ELU(fromConfigOptions<ELUOptions>(c)));
