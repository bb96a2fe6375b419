/** Stochastic gradient descent with optional (Nesterov) momentum, as Keras's SGD. */
import type { Tensor } from "../../tensor";
import { Optimizer, setSlot, type OptimizerOptions } from "./optimizer";

export interface SGDOptions extends OptimizerOptions {
  momentum?: number;
  nesterov?: boolean;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  protected readonly slotCount: number;

  constructor(options: SGDOptions = {}) {
    super(options, 0.01);
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum <= 1))
      throw new Error(`SGD: momentum must be in [0, 1], got ${this.momentum}`);
    this.slotCount = this.momentum > 0 ? 1 : 0;
  }

  protected update(w: Tensor, g: Tensor, [velocity]: readonly Tensor[]): Tensor {
    const lr = this.learningRate;
    if (this.momentum === 0) return w.sub(g.mul(lr));
    // v = momentum * v - lr * g; w += v (Nesterov: w += momentum * v - lr * g)
    const v = setSlot(velocity, velocity.mul(this.momentum).sub(g.mul(lr)));
    return this.nesterov ? w.add(v.mul(this.momentum)).sub(g.mul(lr)) : w.add(v);
  }

  override getConfig() {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
