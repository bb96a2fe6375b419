/**
 * `viz.trainingDashboard(model)`: a widget panel to pass to `fit` as a callback. It shows the epoch, batch
 * and loss as training runs, the loss per batch as a curve, a learning-rate slider that changes the
 * optimizer's rate between batches, and a Stop button that ends `fit` cleanly after the current batch:
 * `fit` returns as usual, the model keeps its weights and the history of the epochs so far. Clicks and
 * slider moves reach the kernel between batches (the kernel handles comm messages while a cell awaits).
 */
import { JUPYTER_DISPLAY, getDisplaySink, type MimeBundle, newDisplayId } from "../display";
import { Button, FloatSlider, HBox, HTML, Image, VBox } from "../widgets/controls";
import { widgetBundle } from "../widgets/model";
import { drawText, lineHeight } from "./font";
import { encodePng } from "./png";
import type { RGB } from "./colormap";
import { BLACK, Raster, RED } from "./raster";
import type { Logs } from "./types";

/** What the dashboard touches on the model: what a Keras callback may touch. */
export interface DashboardModel {
  stopTraining: boolean;
  readonly optimizer: { learningRate: number } | null;
}

export interface TrainingDashboardOptions {
  /** The learning-rate slider's range (default 0 to ten times the optimizer's rate). */
  learningRate?: { min?: number; max?: number; step?: number };
  /** Redraw the curve and status at most this often (default 250 ms). */
  refreshMs?: number;
}

const WIDTH = 480;
const HEIGHT = 200;
const GRID: RGB = [225, 225, 225];

export class TrainingDashboard {
  readonly stopButton: Button;
  readonly learningRate: FloatSlider;
  readonly status: HTML;
  readonly curve: Image;
  readonly widget: VBox;
  /** The loss of every batch so far, in order. */
  readonly losses: number[] = [];
  private epoch = 0;
  private batch = 0;
  private stopRequested = false;
  private lastDraw = 0;
  /** Set by `trainingDashboard`: the display whose PNG is replaced when training ends. */
  displayId: string | undefined;

  constructor(
    private readonly model: DashboardModel,
    private readonly options: TrainingDashboardOptions = {},
  ) {
    const rate = model.optimizer?.learningRate ?? 0.001;
    this.stopButton = new Button({ description: "Stop", buttonStyle: "danger", icon: "stop" });
    this.learningRate = new FloatSlider({
      value: rate,
      min: options.learningRate?.min ?? 0,
      max: options.learningRate?.max ?? rate * 10,
      step: options.learningRate?.step ?? rate / 10,
      description: "learning rate",
      readoutFormat: ".2e",
      continuousUpdate: false,
    });
    this.status = new HTML({ value: "waiting for fit" });
    this.curve = new Image({ value: this.picture() });
    this.widget = new VBox([this.status, this.curve, new HBox([this.learningRate, this.stopButton])]);
    this.stopButton.onClick(() => this.stop());
    this.learningRate.observe<number>(({ new: value }) => {
      if (this.model.optimizer) this.model.optimizer.learningRate = value;
    });
  }

  /** What the Stop button does: `fit` ends after the batch that runs now. */
  stop(): void {
    this.stopRequested = true;
    this.model.stopTraining = true;
    this.status.value = `stopping after batch ${this.batch + 1} of epoch ${this.epoch + 1}...`;
  }

  onTrainBegin(): void {
    this.stopRequested = false;
    this.stopButton.disabled = false;
    if (this.model.optimizer) this.learningRate.value = this.model.optimizer.learningRate;
    this.status.value = "training";
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    this.batch = batch;
    if (logs.loss !== undefined) this.losses.push(logs.loss);
    if (this.stopRequested) this.model.stopTraining = true;
    const now = Date.now();
    if (now - this.lastDraw < (this.options.refreshMs ?? 250)) return;
    this.lastDraw = now;
    this.redraw(`epoch ${this.epoch + 1}, batch ${batch + 1}, loss ${formatLoss(logs.loss)}`);
  }

  onTrainEnd(): void {
    this.stopButton.disabled = true;
    const where = `epoch ${this.epoch + 1}, batch ${this.batch + 1}`;
    const loss = formatLoss(this.losses.at(-1));
    this.redraw(
      this.stopRequested ? `stopped by the Stop button after ${where} (loss ${loss})` : `done: ${where}, loss ${loss}`,
    );
  }

  /** The panel's state as a PNG (what a notebook without a widget manager shows). */
  picture(): Uint8Array {
    const raster = new Raster(WIDTH, HEIGHT);
    const top = lineHeight(2) + 8;
    const box = { x: 40, y: top, w: WIDTH - 56, h: HEIGHT - top - 16 };
    for (let i = 0; i <= 4; i++) raster.fill(box.x, box.y + Math.round((box.h * i) / 4), box.w, 1, GRID);
    raster.frame(box.x, box.y, box.w, box.h, 1, BLACK);
    drawText(raster, "loss per batch", box.x, 4, BLACK, 2);
    const losses = this.losses.filter(Number.isFinite);
    if (losses.length > 1) {
      const low = Math.min(...losses);
      const high = Math.max(...losses);
      const span = high - low || 1;
      let previous: [number, number] | undefined;
      losses.forEach((loss, i) => {
        const x = box.x + Math.round((i / (losses.length - 1)) * (box.w - 1));
        const y = box.y + Math.round(((high - loss) / span) * (box.h - 1));
        if (previous) line(raster, previous, [x, y], RED);
        previous = [x, y];
      });
      drawText(raster, formatLoss(high), 2, box.y, BLACK);
      drawText(raster, formatLoss(low), 2, box.y + box.h - lineHeight(), BLACK);
    }
    return encodePng(raster);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return widgetBundle(this.widget, { "image/png": Buffer.from(this.picture()).toString("base64") });
  }

  private redraw(status: string): void {
    this.status.value = status;
    this.curve.value = this.picture();
  }
}

/**
 * Shows a training dashboard for `model` and returns it; pass it to `fit`:
 * `await model.fit(x, y, { epochs: 20, callbacks: [viz.trainingDashboard(model)] })`.
 */
export function trainingDashboard(model: DashboardModel, options: TrainingDashboardOptions = {}): TrainingDashboard {
  const dashboard = new TrainingDashboard(model, options);
  dashboard.displayId = newDisplayId("dashboard");
  getDisplaySink().display(dashboard[JUPYTER_DISPLAY](), { displayId: dashboard.displayId });
  return dashboard;
}

function formatLoss(loss: number | undefined): string {
  return loss === undefined ? "-" : loss.toPrecision(4);
}

/** A one-pixel line (Bresenham). */
function line(raster: Raster, [x0, y0]: [number, number], [x1, y1]: [number, number], color: RGB): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let error = dx + dy;
  for (;;) {
    raster.set(x0, y0, color);
    if (x0 === x1 && y0 === y1) return;
    const e2 = 2 * error;
    if (e2 >= dy) {
      error += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      error += dx;
      y0 += sy;
    }
  }
}
