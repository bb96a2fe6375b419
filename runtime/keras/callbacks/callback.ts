/**
 * Callbacks: hooks that `fit`, `evaluate` and `predict` call at the start and
 * end of training, of each epoch and of each batch. A callback is a subclass
 * of `Callback` or a plain object with any of the hook methods (Keras's
 * LambdaCallback); hooks may be async and are awaited.
 */

/** Metric values by name ("loss", "accuracy", "val_loss", ...). */
export type Logs = Record<string, number>;

/** What callbacks may touch on the model being trained. */
export interface CallbackModel {
  /** Set to true to stop `fit` after the current batch. */
  stopTraining: boolean;
  readonly optimizer: { learningRate: number } | null;
  getWeights(): readonly unknown[];
  setWeights(weights: readonly never[]): void;
  save(path: string): void;
  saveWeights(path: string): void;
}

export interface TrainingParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  verbose: number;
}

export interface CallbackHooks {
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

export class Callback implements CallbackHooks {
  model: CallbackModel | null = null;
  params: TrainingParams = { epochs: 0, steps: 0, verbose: 0 };

  setModel(model: CallbackModel): void {
    this.model = model;
  }
  setParams(params: TrainingParams): void {
    this.params = params;
  }
  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
}

/** Calls every callback's hook in order; plain hook objects are called as they are. */
export class CallbackList {
  constructor(readonly callbacks: readonly (Callback | CallbackHooks)[]) {}

  configure(model: CallbackModel, params: TrainingParams): void {
    for (const c of this.callbacks) {
      if (c instanceof Callback) {
        c.setModel(model);
        c.setParams(params);
      }
    }
  }
  async trainBegin(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }
  async trainEnd(logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }
  async epochBegin(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, logs);
  }
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }
  async batchBegin(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, logs);
  }
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }
}

/**
 * Whether a larger value of `monitor` is better, as Keras's mode "auto"
 * decides: accuracy-like metrics are maximised, losses and errors minimised.
 */
export function monitorMode(monitor: string, mode: "auto" | "min" | "max"): "min" | "max" {
  if (mode !== "auto") return mode;
  return /acc|precision|recall|auc|f1/.test(monitor) ? "max" : "min";
}

/** The monitored value from `logs`, with a warning naming the available keys when it is missing. */
export function monitoredValue(callback: string, monitor: string, logs: Logs): number | undefined {
  const value = logs[monitor];
  if (value === undefined) {
    console.warn(
      `${callback}: the monitored metric "${monitor}" is not available; available metrics are ${Object.keys(logs).join(", ") || "none"}. ` +
        `Pass validation data (validationSplit or validationData) to monitor a val_ metric.`,
    );
  }
  return value;
}
