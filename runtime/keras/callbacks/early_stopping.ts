/** Stops training when a monitored metric has stopped improving (Keras's EarlyStopping). */
import { Callback, type Logs, monitorMode, monitoredValue } from "./callback";

export interface EarlyStoppingOptions {
  monitor?: string;
  /** Changes smaller than this do not count as improvement. */
  minDelta?: number;
  /** Epochs without improvement before stopping. */
  patience?: number;
  mode?: "auto" | "min" | "max";
  /** Training stops if the metric is not better than this. */
  baseline?: number;
  /** When stopping, put back the weights of the best epoch. */
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching for improvement at all. */
  startFromEpoch?: number;
  verbose?: number;
}

export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  readonly verbose: number;
  stoppedEpoch = 0;
  bestEpoch = 0;
  private readonly mode: "min" | "max";
  private wait = 0;
  private best = Infinity;
  private bestWeights: readonly unknown[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    this.monitor = options.monitor ?? "val_loss";
    this.minDelta = Math.abs(options.minDelta ?? 0);
    this.patience = options.patience ?? 0;
    this.baseline = options.baseline;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
    this.startFromEpoch = options.startFromEpoch ?? 0;
    this.verbose = options.verbose ?? 0;
    this.mode = monitorMode(this.monitor, options.mode ?? "auto");
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestEpoch = 0;
    this.best = this.baseline ?? (this.mode === "min" ? Infinity : -Infinity);
    this.bestWeights = null;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const value = monitoredValue("EarlyStopping", this.monitor, logs);
    if (value === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) this.bestWeights = this.model?.getWeights() ?? null;
    this.wait += 1;
    if (this.improved(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = this.model?.getWeights() ?? null;
      return;
    }
    if (this.wait >= this.patience && epoch > 0 && this.model) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.restoreBestWeights && this.bestWeights) {
        if (this.verbose > 0)
          console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
        this.model.setWeights(this.bestWeights as never[]);
      }
    }
  }

  private improved(value: number): boolean {
    return this.mode === "min" ? value < this.best - this.minDelta : value > this.best + this.minDelta;
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
  }
}
