/** Adam, as Keras's: bias-corrected first and second moment estimates. */
import type { Tensor } from "../../tensor";
import { Optimizer, setSlot, type OptimizerOptions } from "./optimizer";

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  protected readonly slotCount = 2;

  constructor(options: AdamOptions = {}) {
    super(options, 0.001);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  protected update(w: Tensor, g: Tensor, [m, v]: readonly Tensor[]): Tensor {
    const t = this.iterations;
    const alpha = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    setSlot(m, m.add(g.sub(m).mul(1 - this.beta1)));
    setSlot(
      v,
      v.add(
        g
          .square()
          .sub(v)
          .mul(1 - this.beta2),
      ),
    );
    return w.sub(m.mul(alpha).div(v.sqrt().add(this.epsilon)));
  }

  override getConfig() {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
