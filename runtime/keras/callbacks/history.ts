/**
 * What `fit` returns: every epoch's logs, keyed by metric
 * (`history.history.loss`, `.val_accuracy`, ...), and the epoch numbers.
 * Filled epoch by epoch, so a `fit` that stopped early or was interrupted
 * still returns the epochs it finished.
 */
import { JUPYTER_DISPLAY, type MimeBundle } from "../../display";
import { trainingCurves } from "../../viz/training_curves";
import { Callback, type Logs } from "./callback";

export class History extends Callback {
  readonly history: Record<string, number[]> = {};
  readonly epoch: number[] = [];

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      (this.history[key] ??= []).push(value);
    }
  }

  /** In a notebook a History shows as its training curves. */
  [JUPYTER_DISPLAY](): MimeBundle {
    if (this.epoch.length === 0) return { "text/plain": this.toString() };
    return { ...trainingCurves(this).bundle(), "text/plain": this.toString() };
  }

  override toString(): string {
    const keys = Object.keys(this.history);
    if (this.epoch.length === 0) return "History (no epochs finished)";
    const last = keys.map((k) => `${k}: ${formatMetric(this.history[k][this.history[k].length - 1])}`).join(" - ");
    return `History (${this.epoch.length} epoch${this.epoch.length === 1 ? "" : "s"}; last: ${last})`;
  }
}

/** A metric value as Keras's progress bar prints it: 4 decimals, or scientific when tiny. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(4);
}
