/**
 * Keras's losses: each compares targets `yTrue` with predictions `yPred`
 * (batch first) per example, then averages over the batch. Accepted by name
 * ("categorical_crossentropy", "categoricalCrossentropy", "mse", ...) or as a
 * loss object (`new keras.losses.BinaryCrossentropy({ fromLogits: true })`), which is
 * also callable: `keras.losses.MeanSquaredError()(yTrue, yPred)` is the batch's mean loss.
 */
import type { Tensor } from "../tensor";
import { logSoftmax, relu, softplus } from "../ops/activation";
import { resolveIdentifier } from "./utils/identifiers";
import { formatShape } from "./utils/shape";
import { logitsBehind } from "./cached_logits";
import { callableInstance } from "./engine/callable";

/** Keras's epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON] before a log. */
const EPSILON = 1e-7;

// A loss object is callable, `loss(yTrue, yPred)` as in Keras (the constructor returns callableInstance's
// function proxy), which only an interface merged into the class can declare.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Loss {
  /** The mean loss over the batch, the same as `call(yTrue, yPred)`. */
  (yTrue: Tensor, yPred: Tensor): Tensor;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class Loss {
  /** The Keras function name ("categorical_crossentropy"), used to pick the matching accuracy. */
  abstract readonly name: string;

  constructor() {
    return callableInstance(this, (self, args) => self.call(args[0] as Tensor, args[1] as Tensor));
  }
  /** Per-example loss, shape [batch]. */
  abstract perExample(yTrue: Tensor, yPred: Tensor): Tensor;

  /** The mean loss over the batch (a scalar tensor). */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return this.perExample(yTrue, yPred).mean();
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}

export interface CrossentropyOptions {
  /** Predictions are logits (no softmax/sigmoid applied), which is numerically safer. */
  fromLogits?: boolean;
}

export class CategoricalCrossentropy extends Loss {
  readonly name: string = "categorical_crossentropy";
  readonly fromLogits: boolean;
  constructor(options: CrossentropyOptions = {}) {
    super();
    this.fromLogits = options.fromLogits ?? false;
  }
  perExample(yTrue: Tensor, yPred: Tensor): Tensor {
    requireSameShape(
      this.name,
      yTrue,
      yPred,
      "one-hot targets (use sparse_categorical_crossentropy for integer labels, or keras.utils.toCategorical)",
    );
    return yTrue.mul(logProbabilities(yPred, this.fromLogits)).sum(-1).neg();
  }
  override getConfig() {
    return { fromLogits: this.fromLogits };
  }
}

export class SparseCategoricalCrossentropy extends Loss {
  readonly name = "sparse_categorical_crossentropy";
  readonly fromLogits: boolean;
  constructor(options: CrossentropyOptions = {}) {
    super();
    this.fromLogits = options.fromLogits ?? false;
  }
  perExample(yTrue: Tensor, yPred: Tensor): Tensor {
    const classes = yPred.shape[yPred.rank - 1];
    const labels = yTrue.rank === yPred.rank ? yTrue.reshape(yTrue.shape.slice(0, -1)) : yTrue;
    if (labels.rank !== yPred.rank - 1 || labels.shape.some((d, i) => d !== yPred.shape[i])) {
      throw new Error(
        `${this.name}: integer labels of shape ${formatShape(yTrue.shape)} do not fit predictions of shape ${formatShape(yPred.shape)}; expected labels of shape ${formatShape(yPred.shape.slice(0, -1))}`,
      );
    }
    const ids = labels.dataSync();
    const bad = ids.find((v) => !(Number.isInteger(v) && v >= 0 && v < classes));
    if (bad !== undefined) {
      throw new Error(
        `${this.name}: label ${bad} is not a class index in [0, ${classes - 1}] (the model predicts ${classes} classes)`,
      );
    }
    // Each label's log-probability picked out of the flattened predictions: the value the one-hot
    // product summed over the classes gives (every other term is a zero), without building the one-hot
    // tensor, and finite where another class's log-probability is -Infinity (0 * -Infinity is NaN).
    const picked = Array.from(ids, (label, i) => i * classes + label);
    return logProbabilities(yPred, this.fromLogits).reshape([-1]).gather(picked, 0).reshape(labels.shape).neg();
  }
  override getConfig() {
    return { fromLogits: this.fromLogits };
  }
}

export class BinaryCrossentropy extends Loss {
  readonly name = "binary_crossentropy";
  readonly fromLogits: boolean;
  constructor(options: CrossentropyOptions = {}) {
    super();
    this.fromLogits = options.fromLogits ?? false;
  }
  perExample(yTrue: Tensor, yPred: Tensor): Tensor {
    requireSameShape(this.name, yTrue, yPred, "targets of 0 and 1 with the prediction's shape");
    let elementwise: Tensor;
    const logits = this.fromLogits ? yPred : logitsBehind(yPred, "sigmoid");
    if (logits) {
      // max(x, 0) - x * y + log(1 + e^-|x|): exact and free of overflow for any logit.
      elementwise = relu(logits).sub(logits.mul(yTrue)).add(softplus(logits.abs().neg()));
    } else {
      const p = yPred.clip(EPSILON, 1 - EPSILON);
      elementwise = yTrue
        .mul(p.log())
        .add(yTrue.neg().add(1).mul(p.neg().add(1).log()))
        .neg();
    }
    return meanOverLast(elementwise);
  }
  override getConfig() {
    return { fromLogits: this.fromLogits };
  }
}

export class MeanSquaredError extends Loss {
  readonly name = "mean_squared_error";
  perExample(yTrue: Tensor, yPred: Tensor): Tensor {
    requireSameShape(this.name, yTrue, yPred, "targets with the prediction's shape");
    return meanOverLast(yPred.sub(yTrue).square());
  }
}

export class MeanAbsoluteError extends Loss {
  readonly name = "mean_absolute_error";
  perExample(yTrue: Tensor, yPred: Tensor): Tensor {
    requireSameShape(this.name, yTrue, yPred, "targets with the prediction's shape");
    return meanOverLast(yPred.sub(yTrue).abs());
  }
}

/** Quadratic for errors up to `delta`, linear beyond (robust to outliers). */
export class Huber extends Loss {
  readonly name = "huber";
  readonly delta: number;
  constructor(options: { delta?: number } = {}) {
    super();
    this.delta = options.delta ?? 1;
  }
  perExample(yTrue: Tensor, yPred: Tensor): Tensor {
    requireSameShape(this.name, yTrue, yPred, "targets with the prediction's shape");
    const error = yPred.sub(yTrue).abs();
    const quadratic = error.minimum(this.delta);
    const linear = error.sub(quadratic);
    return meanOverLast(quadratic.square().mul(0.5).add(linear.mul(this.delta)));
  }
  override getConfig() {
    return { delta: this.delta };
  }
}

export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;
export type LossIdentifier = string | Loss | LossFn;

const byName: Record<string, () => Loss> = {
  categorical_crossentropy: () => new CategoricalCrossentropy(),
  sparse_categorical_crossentropy: () => new SparseCategoricalCrossentropy(),
  binary_crossentropy: () => new BinaryCrossentropy(),
  mean_squared_error: () => new MeanSquaredError(),
  mse: () => new MeanSquaredError(),
  mean_absolute_error: () => new MeanAbsoluteError(),
  mae: () => new MeanAbsoluteError(),
  huber: () => new Huber(),
};

/** A loss from a Keras name, a Loss object, or a function (yTrue, yPred) -> per-example or scalar loss. */
export function getLoss(id: LossIdentifier): Loss {
  if (typeof id === "string") return resolveIdentifier("loss", id, byName)();
  if (id instanceof Loss) return id;
  if (typeof id === "function") return new FunctionLoss(id);
  throw new Error(
    `compile: loss must be a name such as "categorical_crossentropy", a keras.losses object or a function, got ${String(id)}`,
  );
}

class FunctionLoss extends Loss {
  readonly name: string;
  constructor(private readonly fn: LossFn) {
    super();
    this.name = fn.name || "custom_loss";
  }
  perExample(yTrue: Tensor, yPred: Tensor): Tensor {
    const out = this.fn(yTrue, yPred);
    return out.rank === 0 ? out.reshape([1]) : out.rank === 1 ? out : out.reshape([out.shape[0], -1]).mean(-1);
  }
}

function logProbabilities(yPred: Tensor, fromLogits: boolean): Tensor {
  const logits = fromLogits ? yPred : logitsBehind(yPred, "softmax");
  if (logits) return logSoftmax(logits, -1);
  // Keras renormalises, then clips so log(0) never occurs.
  return yPred
    .div(yPred.sum(-1, true))
    .clip(EPSILON, 1 - EPSILON)
    .log();
}

function meanOverLast(x: Tensor): Tensor {
  return x.rank <= 1 ? x : x.mean(-1).reshape([x.shape[0], -1]).mean(-1);
}

function requireSameShape(loss: string, yTrue: Tensor, yPred: Tensor, expected: string): void {
  const same = yTrue.rank === yPred.rank && yTrue.shape.every((d, i) => d === yPred.shape[i]);
  if (!same) {
    throw new Error(
      `${loss}: targets of shape ${formatShape(yTrue.shape)} do not match predictions of shape ${formatShape(yPred.shape)}; expected ${expected}`,
    );
  }
}
