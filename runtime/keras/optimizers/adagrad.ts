/** Adagrad, as Keras's: per-weight rates scaled by the accumulated squared gradients. */
import type { Tensor } from "../../tensor";
import { Optimizer, setSlot, type OptimizerOptions } from "./optimizer";

export interface AdagradOptions extends OptimizerOptions {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  protected readonly slotCount = 1;

  constructor(options: AdagradOptions = {}) {
    super(options, 0.001);
    this.initialAccumulatorValue = options.initialAccumulatorValue ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  protected override slotInit(): number {
    return this.initialAccumulatorValue;
  }

  protected update(w: Tensor, g: Tensor, [accumulator]: readonly Tensor[]): Tensor {
    const acc = setSlot(accumulator, accumulator.add(g.square()));
    return w.sub(g.mul(this.learningRate).div(acc.add(this.epsilon).sqrt()));
  }

  override getConfig() {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
