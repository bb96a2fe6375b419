/** Adam, as Keras's: bias-corrected first and second moment estimates. */
import { currentBackend } from "../../backend/registry";
import type { Tensor } from "../../tensor";
import { compute } from "../../tensor/core";
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
    const fused = fusedAdamStep(w, g, m, v, { c1: 1 - this.beta1, c2: 1 - this.beta2, alpha, eps: this.epsilon });
    if (fused) return fused;
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

/**
 * The step as one backend kernel where the backend has one (Backend.adamStep:
 * the same float32 operations as `update`'s composed ops, one pass, no
 * intermediates), with all four tensors float32 on the current backend; else undefined.
 */
function fusedAdamStep(
  w: Tensor,
  g: Tensor,
  m: Tensor,
  v: Tensor,
  c: { c1: number; c2: number; alpha: number; eps: number },
): Tensor | undefined {
  const b = currentBackend();
  if (!b.adamStep) return undefined;
  const storages = [w, g, m, v].map((t) => t.storage);
  if (storages.some((s) => s.backend !== b || s.dtype !== "float32" || s.size !== w.size)) return undefined;
  const [sw, sg, sm, sv] = storages;
  return compute("adam", w.shape, "float32", (be) =>
    be.adamStep!(sw.handle, sg.handle, sm.handle, sv.handle, w.size, c),
  );
}
