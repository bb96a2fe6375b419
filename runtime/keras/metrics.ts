/**
 * Keras's training metrics. Each is stateful over an epoch: `update` with a
 * batch's targets and predictions (as flat float arrays with their shapes),
 * `result` for the value so far, `reset` at the start of an epoch. They are
 * computed from the values, outside the autograd graph.
 * "accuracy" picks binary, categorical or sparse categorical accuracy from
 * the loss and the shapes, as Keras does.
 */
import { resolveIdentifier } from "./utils/identifiers";

export interface Batch {
  yTrue: ArrayLike<number>;
  yTrueShape: readonly number[];
  yPred: ArrayLike<number>;
  yPredShape: readonly number[];
}

export abstract class Metric {
  constructor(readonly name: string) {}
  abstract reset(): void;
  abstract update(batch: Batch): void;
  abstract result(): number;
}

/** The mean of a per-example value over every example seen. */
abstract class MeanMetric extends Metric {
  private total = 0;
  private count = 0;
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
  update(batch: Batch): void {
    const [sum, n] = this.sumAndCount(batch);
    this.total += sum;
    this.count += n;
  }
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }
  protected abstract sumAndCount(batch: Batch): [number, number];
}

/** Prediction and target rows agree on the class of highest score (one-hot targets). */
export class CategoricalAccuracy extends MeanMetric {
  constructor(name = "categorical_accuracy") {
    super(name);
  }
  protected sumAndCount({ yTrue, yPred, yPredShape }: Batch): [number, number] {
    const classes = yPredShape[yPredShape.length - 1];
    const rows = yPred.length / classes;
    let hits = 0;
    for (let r = 0; r < rows; r++)
      hits += argmax(yTrue, r * classes, classes) === argmax(yPred, r * classes, classes) ? 1 : 0;
    return [hits, rows];
  }
}

/** The class of highest score equals the integer label. */
export class SparseCategoricalAccuracy extends MeanMetric {
  constructor(name = "sparse_categorical_accuracy") {
    super(name);
  }
  protected sumAndCount({ yTrue, yPred, yPredShape }: Batch): [number, number] {
    const classes = yPredShape[yPredShape.length - 1];
    const rows = yPred.length / classes;
    let hits = 0;
    for (let r = 0; r < rows; r++) hits += Math.round(yTrue[r]) === argmax(yPred, r * classes, classes) ? 1 : 0;
    return [hits, rows];
  }
}

/** Each prediction thresholded at `threshold` equals its 0/1 target. */
export class BinaryAccuracy extends MeanMetric {
  constructor(
    name = "binary_accuracy",
    readonly threshold = 0.5,
  ) {
    super(name);
  }
  protected sumAndCount({ yTrue, yPred }: Batch): [number, number] {
    let hits = 0;
    for (let i = 0; i < yPred.length; i++)
      hits += (yPred[i] > this.threshold ? 1 : 0) === (yTrue[i] > 0.5 ? 1 : 0) ? 1 : 0;
    return [hits, yPred.length];
  }
}

/** The mean over every value of an elementwise error. */
class MeanErrorMetric extends MeanMetric {
  constructor(
    name: string,
    private readonly error: (diff: number) => number,
  ) {
    super(name);
  }
  protected sumAndCount({ yTrue, yPred }: Batch): [number, number] {
    let s = 0;
    for (let i = 0; i < yPred.length; i++) s += this.error(yPred[i] - yTrue[i]);
    return [s, yPred.length];
  }
}

export class MeanSquaredErrorMetric extends MeanErrorMetric {
  constructor(name = "mean_squared_error") {
    super(name, (d) => d * d);
  }
}

export class MeanAbsoluteErrorMetric extends MeanErrorMetric {
  constructor(name = "mean_absolute_error") {
    super(name, Math.abs);
  }
}

/** Precision and Recall count true/false positives over every value thresholded at 0.5, as Keras's. */
abstract class ConfusionMetric extends Metric {
  protected tp = 0;
  protected fp = 0;
  protected fn = 0;
  constructor(
    name: string,
    readonly threshold = 0.5,
  ) {
    super(name);
  }
  reset(): void {
    this.tp = 0;
    this.fp = 0;
    this.fn = 0;
  }
  update({ yTrue, yPred }: Batch): void {
    for (let i = 0; i < yPred.length; i++) {
      const predicted = yPred[i] > this.threshold;
      const actual = yTrue[i] > 0.5;
      if (predicted && actual) this.tp += 1;
      else if (predicted) this.fp += 1;
      else if (actual) this.fn += 1;
    }
  }
}

export class Precision extends ConfusionMetric {
  constructor(options: { name?: string; threshold?: number } = {}) {
    super(options.name ?? "precision", options.threshold);
  }
  result(): number {
    return this.tp + this.fp === 0 ? 0 : this.tp / (this.tp + this.fp);
  }
}

export class Recall extends ConfusionMetric {
  constructor(options: { name?: string; threshold?: number } = {}) {
    super(options.name ?? "recall", options.threshold);
  }
  result(): number {
    return this.tp + this.fn === 0 ? 0 : this.tp / (this.tp + this.fn);
  }
}

export type MetricIdentifier = string | Metric;

/**
 * A metric from its identifier. "accuracy" (or "acc") becomes the accuracy
 * that fits the loss and the target/prediction shapes, keeping the name
 * "accuracy" in the logs as Keras does.
 */
export function getMetric(
  id: MetricIdentifier,
  lossName: string,
  yTrueShape: readonly number[],
  yPredShape: readonly number[],
): Metric {
  if (typeof id !== "string") return id;
  const named = resolveIdentifier("metric", id, metricNames);
  if (named !== "accuracy") return metricFactories[named]();
  const classes = yPredShape[yPredShape.length - 1];
  const sparse =
    lossName === "sparse_categorical_crossentropy" ||
    (classes > 1 && (yTrueShape.length < yPredShape.length || yTrueShape[yTrueShape.length - 1] === 1));
  if (lossName === "binary_crossentropy" || classes === 1) return new BinaryAccuracy("accuracy");
  return sparse ? new SparseCategoricalAccuracy("accuracy") : new CategoricalAccuracy("accuracy");
}

const metricFactories: Record<string, () => Metric> = {
  categorical_accuracy: () => new CategoricalAccuracy(),
  sparse_categorical_accuracy: () => new SparseCategoricalAccuracy(),
  binary_accuracy: () => new BinaryAccuracy(),
  precision: () => new Precision(),
  recall: () => new Recall(),
  mean_squared_error: () => new MeanSquaredErrorMetric(),
  mean_absolute_error: () => new MeanAbsoluteErrorMetric(),
};

const metricNames: Record<string, string> = {
  accuracy: "accuracy",
  acc: "accuracy",
  mse: "mean_squared_error",
  mae: "mean_absolute_error",
  ...Object.fromEntries(Object.keys(metricFactories).map((k) => [k, k])),
};

function argmax(values: ArrayLike<number>, start: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[start + i] > values[start + best]) best = i;
  return best;
}
