/**
 * Keras's training progress bar. In a notebook (a rich display sink) one
 * output shows "Epoch i/n" and a bar with step, ETA, loss and metrics that
 * updates in place (one display id, `update: true`), throttled so a fast
 * model does not flood the front end, with the live training curves
 * (viz's LiveCurves) as a second output under it. In a terminal (text sink)
 * it prints one finished line per epoch, since a text sink cannot rewrite a line.
 */
import { getDisplaySink, newDisplayId } from "../../display";
import { LiveCurves } from "../../viz/live";
import { Callback, type Logs } from "./callback";
import { formatMetric } from "./history";

const BAR_WIDTH = 20;
const UPDATE_INTERVAL_MS = 100;

export class ProgbarLogger extends Callback {
  private displayId = "";
  private finishedLines: string[] = [];
  private epochStart = 0;
  private lastUpdate = 0;
  private shown = false;
  private curves: LiveCurves | null = null;

  override onTrainBegin(): void {
    this.displayId = newDisplayId("nnlab-progress");
    this.finishedLines = [];
    this.shown = false;
    this.curves = null;
    if (!this.rich()) return;
    // The bar's output first, so the curves appear under it.
    this.show(`Epoch 1/${this.params.epochs}`);
    this.curves = LiveCurves.start({ stepsPerEpoch: Math.max(1, this.params.steps), epochs: this.params.epochs });
  }

  override onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    this.lastUpdate = 0;
    this.curves?.onEpochBegin(epoch);
    const header = `Epoch ${epoch + 1}/${this.params.epochs}`;
    if (this.rich()) {
      this.finishedLines.push(header);
      this.show(this.finishedLines.join("\n"));
    } else {
      getDisplaySink().display({ "text/plain": header });
    }
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    if (!this.rich()) return;
    this.curves?.onBatchEnd(batch, logs);
    const now = performance.now();
    const last = batch + 1 === this.params.steps;
    if (!last && now - this.lastUpdate < UPDATE_INTERVAL_MS) return;
    this.lastUpdate = now;
    const line = progressLine(batch + 1, this.params.steps, now - this.epochStart, logs, false);
    this.show([...this.finishedLines, line].join("\n"));
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.curves?.onEpochEnd(epoch, logs);
    const steps = this.params.steps;
    const line = progressLine(steps, steps, performance.now() - this.epochStart, logs, true);
    if (this.rich()) {
      this.finishedLines.push(line);
      this.show(this.finishedLines.join("\n"));
    } else {
      getDisplaySink().display({ "text/plain": line });
    }
  }

  override onTrainEnd(): void {
    this.curves?.onTrainEnd();
  }

  /** verbose 2 prints one line per epoch even in a notebook, as in Keras. */
  private rich(): boolean {
    return this.params.verbose === 1 && getDisplaySink().rich;
  }

  private show(text: string): void {
    getDisplaySink().display({ "text/plain": text }, { displayId: this.displayId, update: this.shown });
    this.shown = true;
  }
}

/**
 * One progress line: "  13/422 ━━━━━━────────── ETA: 10s 25ms/step - loss: 1.8123 - accuracy: 0.3812"
 * while running, and the elapsed time instead of the ETA when `done`.
 */
export function progressLine(step: number, steps: number, elapsedMs: number, logs: Logs, done: boolean): string {
  const width = String(steps).length;
  const filled = steps > 0 ? Math.round((BAR_WIDTH * step) / steps) : BAR_WIDTH;
  const bar = "━".repeat(filled) + "─".repeat(BAR_WIDTH - filled);
  const perStep = step > 0 ? elapsedMs / step : 0;
  const time = done ? formatDuration(elapsedMs) : `ETA: ${formatDuration(perStep * (steps - step))}`;
  const metrics = orderMetrics(logs)
    .map(([k, v]) => `${k}: ${formatMetric(v)}`)
    .join(" - ");
  const head = `${String(step).padStart(width)}/${steps} ${bar} ${time} ${Math.round(perStep)}ms/step`;
  return metrics ? `${head} - ${metrics}` : head;
}

/** "1:14" above a minute, "12s" above a second, "512ms" below. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds >= 3600)
    return `${Math.floor(seconds / 3600)}:${pad2(Math.floor(seconds / 60) % 60)}:${pad2(Math.floor(seconds) % 60)}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}:${pad2(Math.floor(seconds) % 60)}`;
  if (seconds >= 1) return `${Math.round(seconds)}s`;
  return `${Math.round(ms)}ms`;
}

/** loss first, then the training metrics, then the validation ones, as Keras 2 printed them. */
function orderMetrics(logs: Logs): [string, number][] {
  const rank = (k: string) =>
    k === "loss" ? 0 : k === "val_loss" ? 2 : k.startsWith("val_") ? 3 : k === "learning_rate" ? 4 : 1;
  return Object.entries(logs).sort(([a], [b]) => rank(a) - rank(b));
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
