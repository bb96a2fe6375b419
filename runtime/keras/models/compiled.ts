/**
 * What `compile` fixes: the optimizer, the loss, and the metrics (created on
 * the first batch, when the target and prediction shapes are known, so
 * "accuracy" can pick the right kind).
 */
import type { Tensor } from "../../tensor";
import { getLoss, type Loss, type LossIdentifier } from "../losses";
import { getMetric, type Metric, type MetricIdentifier } from "../metrics";
import { getOptimizer, type Optimizer, type OptimizerIdentifier } from "../optimizers";

export interface CompileOptions {
  optimizer?: OptimizerIdentifier;
  loss: LossIdentifier;
  metrics?: readonly MetricIdentifier[];
}

export class Compiled {
  readonly optimizer: Optimizer;
  readonly loss: Loss;
  private readonly metricIds: readonly MetricIdentifier[];
  private metricList: Metric[] | null = null;
  private lossTotal = 0;
  private lossCount = 0;

  constructor(options: CompileOptions) {
    if (!options || options.loss === undefined) {
      throw new Error('compile: a loss is required, e.g. model.compile({ optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy"] })');
    }
    this.optimizer = getOptimizer(options.optimizer ?? "rmsprop");
    this.loss = getLoss(options.loss);
    this.metricIds = options.metrics ?? [];
    // Resolve names now so a typo fails at compile, not at the first batch.
    for (const id of this.metricIds) getMetric(id, this.loss.name, [1, 2], [1, 2]);
  }

  /** Starts a new epoch (or evaluation): clears the running loss and metrics. */
  reset(): void {
    this.lossTotal = 0;
    this.lossCount = 0;
    for (const m of this.metricList ?? []) m.reset();
  }

  /** Adds one batch: its mean loss and its targets and predictions. */
  update(loss: number, yTrue: Tensor, yPred: Tensor): void {
    const n = yPred.shape[0] ?? 1;
    this.lossTotal += loss * n;
    this.lossCount += n;
    if (this.metricIds.length === 0) return;
    if (!this.metricList) this.metricList = this.createMetrics(yTrue.shape, yPred.shape);
    const batch = { yTrue: yTrue.dataSync(), yTrueShape: yTrue.shape, yPred: yPred.dataSync(), yPredShape: yPred.shape };
    for (const m of this.metricList) m.update(batch);
  }

  /** The running values: loss first, then each metric by its name. */
  logs(): Record<string, number> {
    const logs: Record<string, number> = { loss: this.lossCount === 0 ? NaN : this.lossTotal / this.lossCount };
    for (const m of this.metricList ?? []) logs[m.name] = m.result();
    return logs;
  }

  /** Metric names in order (for evaluate's list result). */
  metricNames(): string[] {
    return (this.metricList ?? []).map((m) => m.name);
  }

  private createMetrics(yTrueShape: readonly number[], yPredShape: readonly number[]): Metric[] {
    const metrics = this.metricIds.map((id) => getMetric(id, this.loss.name, yTrueShape, yPredShape));
    const seen = new Map<string, number>();
    for (const m of metrics) {
      const n = seen.get(m.name) ?? 0;
      seen.set(m.name, n + 1);
      if (n > 0) Object.defineProperty(m, "name", { value: `${m.name}_${n}` });
    }
    return metrics;
  }
}
