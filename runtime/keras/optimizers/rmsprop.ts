/** RMSprop, as Keras's: divide by a moving root mean square of the gradient. */
import type { Tensor } from "../../tensor";
import { Optimizer, setSlot, type OptimizerOptions } from "./optimizer";

export interface RMSpropOptions extends OptimizerOptions {
  rho?: number;
  momentum?: number;
  epsilon?: number;
}

export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  protected readonly slotCount = 2;

  constructor(options: RMSpropOptions = {}) {
    super(options, 0.001);
    this.rho = options.rho ?? 0.9;
    this.momentum = options.momentum ?? 0;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  protected update(w: Tensor, g: Tensor, [ms, velocity]: readonly Tensor[]): Tensor {
    setSlot(ms, ms.mul(this.rho).add(g.square().mul(1 - this.rho)));
    const increment = g.mul(this.learningRate).div(ms.add(this.epsilon).sqrt());
    if (this.momentum === 0) return w.sub(increment);
    const v = setSlot(velocity, velocity.mul(this.momentum).add(increment));
    return w.sub(v);
  }

  override getConfig() {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon };
  }
}
