/**
 * What `compile` fixes: the optimizer, a loss and metrics per model output,
 * and the loss weights. The metrics are created on the first batch, when the
 * target and prediction shapes are known, so "accuracy" can pick the right
 * kind. Logs are named as Keras names them: `loss` and the metric names for a
 * model with one output; `loss`, `<output>_loss` and `<output>_<metric>` (by
 * the output layer's name) for a model with several.
 */
import type { Tensor } from "../../tensor";
import { getLoss, type Loss, type LossIdentifier } from "../losses";
import { getMetric, type Metric, type MetricIdentifier } from "../metrics";
import { getOptimizer, type Optimizer, type OptimizerIdentifier } from "../optimizers";

export interface CompileOptions {
  optimizer?: OptimizerIdentifier;
  /** One loss for every output, a list (one per output), or an object by output layer name. */
  loss: LossIdentifier | readonly LossIdentifier[] | Readonly<Record<string, LossIdentifier>>;
  /** Weights of the per-output losses in the total loss (default 1 each): a list, or an object by output name. */
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  /** A list applied to every output, a list of lists (one per output), or an object by output name. */
  metrics?:
    | readonly MetricIdentifier[]
    | readonly (readonly MetricIdentifier[])[]
    | Readonly<Record<string, MetricIdentifier | readonly MetricIdentifier[]>>;
}

/** One output's loss, weight and running logs. */
interface OutputState {
  name: string;
  loss: Loss;
  weight: number;
  metricIds: readonly MetricIdentifier[];
  metrics: Metric[] | null;
  lossTotal: number;
}

/** The batch's total loss (weighted sum, plus regularisation) and each output's unweighted loss. */
export interface BatchLoss {
  total: Tensor;
  perOutput: Tensor[];
}

export class Compiled {
  readonly optimizer: Optimizer;
  private readonly outputs: OutputState[];
  private lossTotal = 0;
  private count = 0;

  /** `outputNames`: the model's output layer names; a model without a graph has one unnamed output. */
  constructor(options: CompileOptions, outputNames: readonly string[]) {
    if (!options || options.loss === undefined) {
      throw new Error(
        'compile: a loss is required, e.g. model.compile({ optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy"] })',
      );
    }
    const names = outputNames.length === 0 ? ["output"] : outputNames;
    this.optimizer = getOptimizer(options.optimizer ?? "rmsprop");
    const losses = perOutput("loss", options.loss, names, isLossIdentifier, null);
    const weights = perOutput(
      "lossWeights",
      options.lossWeights ?? 1,
      names,
      (v): v is number => typeof v === "number",
      1,
    );
    const metrics = metricsPerOutput(options.metrics ?? [], names);
    this.outputs = names.map((name, i) => {
      const loss = getLoss(losses[i]);
      const weight = weights[i];
      if (!Number.isFinite(weight))
        throw new Error(`compile: lossWeights for output "${name}" must be a finite number, got ${weight}`);
      // Resolve names now so a typo fails at compile, not at the first batch.
      for (const id of metrics[i]) getMetric(id, loss.name, [1, 2], [1, 2]);
      return { name, loss, weight, metricIds: metrics[i], metrics: null, lossTotal: 0 };
    });
  }

  /** The loss of the first output (the model's loss when it has one output). */
  get loss(): Loss {
    return this.outputs[0].loss;
  }

  get outputCount(): number {
    return this.outputs.length;
  }

  /** The output names, in order (the keys of a targets or loss object). */
  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  /** The weighted sum of the per-output losses plus `penalties` (regularisation), as tensors on the autograd graph. */
  batchLoss(ys: readonly Tensor[], preds: readonly Tensor[], penalties: readonly Tensor[]): BatchLoss {
    const perOutput = this.outputs.map((o, i) => o.loss.call(ys[i], preds[i]));
    const weighted = perOutput.map((l, i) => (this.outputs[i].weight === 1 ? l : l.mul(this.outputs[i].weight)));
    let total = weighted[0];
    for (const t of [...weighted.slice(1), ...penalties]) total = total.add(t);
    return { total, perOutput };
  }

  /** Starts a new epoch (or evaluation): clears the running losses and metrics. */
  reset(): void {
    this.lossTotal = 0;
    this.count = 0;
    for (const o of this.outputs) {
      o.lossTotal = 0;
      for (const m of o.metrics ?? []) m.reset();
    }
  }

  /** Adds one batch: its total and per-output mean losses and its targets and predictions. */
  update(loss: number, perOutput: readonly number[], ys: readonly Tensor[], preds: readonly Tensor[]): void {
    const n = preds[0].shape[0] ?? 1;
    this.lossTotal += loss * n;
    this.count += n;
    this.outputs.forEach((o, i) => {
      o.lossTotal += perOutput[i] * n;
      if (o.metricIds.length === 0) return;
      o.metrics ??= createMetrics(o, ys[i].shape, preds[i].shape);
      const batch = {
        yTrue: ys[i].dataSync(),
        yTrueShape: ys[i].shape,
        yPred: preds[i].dataSync(),
        yPredShape: preds[i].shape,
      };
      for (const m of o.metrics) m.update(batch);
    });
  }

  /** The running values in Keras's order: loss, each output's loss (several outputs), then the metrics. */
  logs(): Record<string, number> {
    const mean = (total: number) => (this.count === 0 ? NaN : total / this.count);
    const logs: Record<string, number> = { loss: mean(this.lossTotal) };
    const multi = this.outputs.length > 1;
    if (multi) for (const o of this.outputs) logs[`${o.name}_loss`] = mean(o.lossTotal);
    for (const o of this.outputs)
      for (const m of o.metrics ?? []) logs[multi ? `${o.name}_${m.name}` : m.name] = m.result();
    return logs;
  }
}

function createMetrics(output: OutputState, yTrueShape: readonly number[], yPredShape: readonly number[]): Metric[] {
  const metrics = output.metricIds.map((id) => getMetric(id, output.loss.name, yTrueShape, yPredShape));
  const seen = new Map<string, number>();
  for (const m of metrics) {
    const n = seen.get(m.name) ?? 0;
    seen.set(m.name, n + 1);
    if (n > 0) Object.defineProperty(m, "name", { value: `${m.name}_${n}` });
  }
  return metrics;
}

/** A compile option given once for all outputs, as a list (one per output), or as an object by output name. */
function perOutput<T>(
  option: string,
  value: T | readonly T[] | Readonly<Record<string, T>>,
  names: readonly string[],
  isOne: (v: unknown) => v is T,
  fallback: T | null,
): T[] {
  if (isOne(value)) return names.map(() => value);
  if (Array.isArray(value)) {
    if (value.length !== names.length) {
      throw new Error(
        `compile: ${option} has ${value.length} entries but the model has ${names.length} output(s) (${quoted(names)}); give one per output, or one for all`,
      );
    }
    return [...(value as readonly T[])];
  }
  const byName = value as Readonly<Record<string, T>>;
  checkKeys(option, byName, names);
  return names.map((n) => {
    const v = byName[n] ?? fallback;
    if (v === null)
      throw new Error(`compile: ${option} has no entry for output "${n}"; the outputs are ${quoted(names)}`);
    return v;
  });
}

function metricsPerOutput(
  metrics: NonNullable<CompileOptions["metrics"]>,
  names: readonly string[],
): (readonly MetricIdentifier[])[] {
  if (Array.isArray(metrics)) {
    const list = metrics as readonly (MetricIdentifier | readonly MetricIdentifier[])[];
    if (list.every((m) => !Array.isArray(m))) {
      const flat = list as readonly MetricIdentifier[];
      if (names.length > 1 && flat.some((m) => typeof m !== "string")) {
        throw new Error(
          "compile: a metric object keeps state, so it cannot be shared by several outputs; give metrics per output as a list of lists or an object by output name",
        );
      }
      return names.map(() => flat);
    }
    if (list.length !== names.length || !list.every((m) => Array.isArray(m))) {
      throw new Error(
        `compile: metrics as a list of lists needs one list per output; the model has ${names.length} output(s) (${quoted(names)})`,
      );
    }
    return [...(list as readonly (readonly MetricIdentifier[])[])];
  }
  const byName = metrics as Readonly<Record<string, MetricIdentifier | readonly MetricIdentifier[]>>;
  checkKeys("metrics", byName, names);
  return names.map((n) => {
    const m = byName[n];
    return m === undefined ? [] : Array.isArray(m) ? (m as readonly MetricIdentifier[]) : [m as MetricIdentifier];
  });
}

function checkKeys(option: string, byName: object, names: readonly string[]): void {
  for (const key of Object.keys(byName)) {
    if (!names.includes(key))
      throw new Error(`compile: ${option} names output "${key}", but the model's outputs are ${quoted(names)}`);
  }
}

function isLossIdentifier(value: unknown): value is LossIdentifier {
  return (
    typeof value === "string" ||
    typeof value === "function" ||
    (typeof value === "object" && value !== null && "perExample" in value)
  );
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}
