/** Lowers the learning rate when a monitored metric stops improving (Keras's ReduceLROnPlateau). */
import { Callback, type Logs, monitorMode, monitoredValue } from "./callback";

export interface ReduceLROnPlateauOptions {
  monitor?: string;
  /** New rate = rate * factor. */
  factor?: number;
  /** Epochs without improvement before lowering the rate. */
  patience?: number;
  mode?: "auto" | "min" | "max";
  minDelta?: number;
  /** Epochs to wait after a reduction before watching again. */
  cooldown?: number;
  minLr?: number;
  verbose?: number;
}

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  readonly verbose: number;
  private readonly mode: "min" | "max";
  private best = Infinity;
  private wait = 0;
  private cooldownLeft = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    this.monitor = options.monitor ?? "val_loss";
    this.factor = options.factor ?? 0.1;
    if (!(this.factor < 1 && this.factor >= 0)) {
      throw new Error(`ReduceLROnPlateau: factor must be in [0, 1) so the rate goes down, got ${this.factor}`);
    }
    this.patience = options.patience ?? 10;
    this.minDelta = options.minDelta ?? 1e-4;
    this.cooldown = options.cooldown ?? 0;
    this.minLr = options.minLr ?? 0;
    this.verbose = options.verbose ?? 0;
    this.mode = monitorMode(this.monitor, options.mode ?? "auto");
  }

  override onTrainBegin(): void {
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownLeft = 0;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const optimizer = this.model?.optimizer;
    if (optimizer) logs.learning_rate = optimizer.learningRate;
    const value = monitoredValue("ReduceLROnPlateau", this.monitor, logs);
    if (value === undefined || !optimizer) return;
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.wait = 0;
    }
    const improved = this.mode === "min" ? value < this.best - this.minDelta : value > this.best + this.minDelta;
    if (improved) {
      this.best = value;
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return;
    this.wait += 1;
    if (this.wait < this.patience) return;
    const old = optimizer.learningRate;
    if (old > this.minLr) {
      optimizer.learningRate = Math.max(old * this.factor, this.minLr);
      if (this.verbose > 0)
        console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${optimizer.learningRate}.`);
      this.cooldownLeft = this.cooldown;
      this.wait = 0;
    }
  }
}
