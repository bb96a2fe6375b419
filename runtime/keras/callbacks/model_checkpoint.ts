/**
 * Saves the model (or only its weights) after each epoch, or only when the
 * monitored metric improved (Keras's ModelCheckpoint). The path may contain
 * Keras's placeholders: "ckpt-{epoch:02d}-{val_loss:.2f}.safetensors".
 */
import { hdf5Ready } from "../saving/hdf5";
import { Callback, type Logs, monitorMode, monitoredValue } from "./callback";

export interface ModelCheckpointOptions {
  monitor?: string;
  /** Save only when the monitored metric is the best so far. */
  saveBestOnly?: boolean;
  /** Save with `saveWeights` instead of `save`. */
  saveWeightsOnly?: boolean;
  mode?: "auto" | "min" | "max";
  verbose?: number;
}

export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly verbose: number;
  best: number;
  private readonly mode: "min" | "max";

  constructor(
    readonly filepath: string,
    options: ModelCheckpointOptions = {},
  ) {
    super();
    this.monitor = options.monitor ?? "val_loss";
    this.saveBestOnly = options.saveBestOnly ?? false;
    this.saveWeightsOnly = options.saveWeightsOnly ?? false;
    this.verbose = options.verbose ?? 0;
    this.mode = monitorMode(this.monitor, options.mode ?? "auto");
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }

  /** Keras files (.keras, .weights.h5) need HDF5, which starts asynchronously: have it ready before the first save. */
  override async onTrainBegin(): Promise<void> {
    if (/\.(keras|h5)$/i.test(this.filepath)) await hdf5Ready();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.model) return;
    const path = formatCheckpointPath(this.filepath, epoch + 1, logs);
    if (this.saveBestOnly) {
      const value = monitoredValue("ModelCheckpoint", this.monitor, logs);
      if (value === undefined) return;
      const improved = this.mode === "min" ? value < this.best : value > this.best;
      if (!improved) return;
      if (this.verbose > 0)
        console.log(
          `Epoch ${epoch + 1}: ${this.monitor} improved from ${this.best.toFixed(5)} to ${value.toFixed(5)}, saving model to ${path}`,
        );
      this.best = value;
    }
    if (this.saveWeightsOnly) this.model.saveWeights(path);
    else this.model.save(path);
  }
}

/** Fills "{epoch}", "{epoch:02d}", "{val_loss:.4f}" from the epoch number (1-based) and the logs. */
export function formatCheckpointPath(template: string, epoch: number, logs: Logs): string {
  return template.replace(/\{(\w+)(?::([^}]*))?\}/g, (whole, key: string, spec: string | undefined) => {
    const value = key === "epoch" ? epoch : logs[key];
    if (value === undefined) return whole;
    const int = spec?.match(/^0?(\d+)d$/);
    if (int) return String(Math.round(value)).padStart(Number(int[1]), "0");
    const fixed = spec?.match(/^\.(\d+)f$/);
    if (fixed) return value.toFixed(Number(fixed[1]));
    return String(value);
  });
}
