/**
 * Weight penalties added to the training loss (Keras's l1, l2, l1_l2):
 * l1 * sum(|w|) + l2 * sum(w^2).
 */
import type { Tensor } from "../tensor";
import { resolveIdentifier } from "./utils/identifiers";

export class Regularizer {
  readonly className: string = "L1L2";
  constructor(
    readonly l1 = 0,
    readonly l2 = 0,
  ) {
    if (!(l1 >= 0 && l2 >= 0)) throw new Error(`regularizer: l1 and l2 must be >= 0, got l1=${l1}, l2=${l2}`);
  }

  /** The penalty for weight `w`, a scalar tensor. */
  penalty(w: Tensor): Tensor {
    let total: Tensor | null = null;
    if (this.l1 > 0) total = w.abs().sum().mul(this.l1);
    if (this.l2 > 0) {
      const l2 = w.square().sum().mul(this.l2);
      total = total ? total.add(l2) : l2;
    }
    return total ?? w.sum().mul(0);
  }

  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

export class L1 extends Regularizer {
  override readonly className = "L1";
  constructor(l1 = 0.01) {
    super(l1, 0);
  }
}

export class L2 extends Regularizer {
  override readonly className = "L2";
  constructor(l2 = 0.01) {
    super(0, l2);
  }
}

export class L1L2 extends Regularizer {}

/** keras.regularizers.l1(0.01) */
export function l1(l1 = 0.01): Regularizer {
  return new L1(l1);
}

/** keras.regularizers.l2(0.01) */
export function l2(l2 = 0.01): Regularizer {
  return new L2(l2);
}

/** keras.regularizers.l1_l2 / l1L2 */
export function l1L2(options: { l1?: number; l2?: number } = {}): Regularizer {
  return new L1L2(options.l1 ?? 0.01, options.l2 ?? 0.01);
}

export type RegularizerIdentifier = string | Regularizer;

export function getRegularizer(id: RegularizerIdentifier | null | undefined): Regularizer | null {
  if (id === null || id === undefined) return null;
  if (typeof id !== "string") return id;
  return resolveIdentifier("regularizer", id, { l1: () => l1(), l2: () => l2(), l1_l2: () => l1L2() })();
}

export function deserializeRegularizer(
  spec: { className: string; config: Record<string, unknown> } | null,
): Regularizer | null {
  if (!spec) return null;
  const { l1: a = 0, l2: b = 0 } = spec.config as { l1?: number; l2?: number };
  if (spec.className === "L1") return new L1(a);
  if (spec.className === "L2") return new L2(b);
  return new L1L2(a, b);
}
