/**
 * The optimizer base: Keras's `learningRate` and `iterations`, plus the
 * PyTorch-style `step()` / `zeroGrad()` for custom training loops (a GAN
 * trains that way). Updates are computed with tensor ops without recording a
 * graph and written into the weights in place (`Tensor.assign`), so every
 * model sharing a weight sees the update.
 */
import type { Tensor } from "../../tensor";
import { noGrad } from "../../autograd";
import { keep, tidyScope } from "../../memory";
import { tensorOf, valueAndGrad } from "../../nn_grad";
import { zeros } from "../../ops/creation";
import { Weight } from "../engine/weight";

/** A trainable value: a layer weight, or any tensor with requiresGrad. */
export type Trainable = Weight | Tensor;

export interface OptimizerOptions {
  learningRate?: number;
}

export abstract class Optimizer {
  learningRate: number;
  /** Update steps taken so far. */
  iterations = 0;
  private params: readonly Trainable[] = [];
  private readonly slots = new Map<Tensor, Tensor[]>();

  constructor(options: OptimizerOptions, defaultLearningRate: number) {
    this.learningRate = options.learningRate ?? defaultLearningRate;
    if (!(this.learningRate >= 0))
      throw new Error(`${this.constructor.name}: learningRate must be >= 0, got ${this.learningRate}`);
  }

  /** Keras class name, e.g. "Adam". */
  get className(): string {
    return this.constructor.name;
  }

  /** The values `step()` and `zeroGrad()` use when called without arguments (compile sets the model's trainable weights). */
  setParams(params: readonly Trainable[]): void {
    this.params = params;
  }

  /** One update of `params` (default: those given to setParams) from their `.grad`; values without a gradient are left as they are. */
  step(params: readonly Trainable[] = this.params): void {
    const pairs: [Tensor, Tensor][] = [];
    for (const p of params) {
      const t = p instanceof Weight ? p.value : p;
      if (t.grad) pairs.push([t.grad, t]);
    }
    this.applyGradients(pairs);
  }

  /** Clears the `.grad` of `params` (default: those given to setParams). */
  zeroGrad(params: readonly Trainable[] = this.params): void {
    for (const p of params) (p instanceof Weight ? p.value : p).zeroGrad();
  }

  /**
   * One step down the gradient of `lossFn()` for `params` only (Keras's
   * minimize): other tensors' `.grad` are neither read nor written, so one
   * model of a GAN trains while the other stays as it is. Returns the loss
   * before the step; the step's intermediate tensors are freed.
   */
  minimize(lossFn: () => Tensor, params: readonly Trainable[]): number {
    return tidyScope(
      () => {
        const [loss, grads] = valueAndGrad(lossFn, params);
        this.applyGradients(grads.map((g, i) => [g, tensorOf(params[i])] as const));
        return loss;
      },
      () => [],
      (t) => (t as Tensor).dispose(),
    );
  }

  /** Keras's apply_gradients: [gradient, variable] pairs. */
  applyGradients(pairs: readonly (readonly [Tensor, Tensor])[]): void {
    this.iterations += 1;
    noGrad(() => {
      for (const [grad, variable] of pairs) {
        if (grad.shape.length !== variable.shape.length || grad.shape.some((d, i) => d !== variable.shape[i])) {
          throw new Error(
            `${this.className}: gradient [${grad.shape.join(", ")}] does not match its variable [${variable.shape.join(", ")}]`,
          );
        }
        const next = this.update(variable, grad, this.slotsOf(variable));
        variable.assign(next);
        next.dispose();
      }
    });
  }

  getConfig(): Record<string, unknown> {
    return { learningRate: this.learningRate };
  }

  /** Number of state tensors (momentum, moving averages) each variable needs. */
  protected abstract readonly slotCount: number;
  /** Initial value of every slot. */
  protected slotInit(): number {
    return 0;
  }
  /** The variable's new value; slots are updated in place with `slot.assign(...)`. */
  protected abstract update(variable: Tensor, grad: Tensor, slots: readonly Tensor[]): Tensor;

  private slotsOf(variable: Tensor): Tensor[] {
    let s = this.slots.get(variable);
    if (!s) {
      s = Array.from({ length: this.slotCount }, () => keep(zeros(variable.shape).add(this.slotInit())));
      this.slots.set(variable, s);
    }
    return s;
  }
}

/** Writes `value` into `slot` and frees `value`'s tensor (its storage now belongs to the slot). */
export function setSlot(slot: Tensor, value: Tensor): Tensor {
  slot.assign(value);
  value.dispose();
  return slot;
}
