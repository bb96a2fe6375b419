import { getDisplaySink, newDisplayId, type DisplaySink, type MimeBundle } from "../display";
import { chartBundle } from "./chart";
import { curvesFigure, type CurvePanel } from "./curves_figure";
import { formatNumber } from "./format";
import { claimPlotlyCarrier } from "./plotly_library";
import type { Logs } from "./types";

export interface LiveCurvesOptions {
  /** Batches per epoch, to place per-batch points at fractional epochs on the shared x axis. */
  readonly stepsPerEpoch: number;
  /** Planned epochs, for the text summary ("epoch 3/10"). */
  readonly epochs?: number;
  /** Display id of the chart; default a fresh one. */
  readonly displayId?: string;
  /** Where the chart goes; default the installed display sink. */
  readonly sink?: DisplaySink;
  /** Least time between two updates (default 300 ms); points arriving sooner wait for the next update. */
  readonly throttleMs?: number;
  /** Exponential smoothing of per-batch values, 0 (none) to <1 (default 0.9). */
  readonly smoothing?: number;
  /** Clock in milliseconds (tests pass a fake one). */
  readonly now?: () => number;
}

/**
 * Training curves that grow in place while `fit` runs. The fit loop calls
 * `LiveCurves.start` at train begin, then `onEpochBegin`, `onBatchEnd`,
 * `onEpochEnd` as Keras callbacks are called, and `onTrainEnd` last. The
 * chart is one display (one display id): each update replaces it, at most
 * once per `throttleMs`, and the final update at train end always goes out,
 * so the finished chart stays as the cell's output.
 *
 * No timers: updates are sent from the callbacks themselves, so a fit loop
 * that never yields to the event loop still updates the chart.
 */
export class LiveCurves {
  readonly displayId: string;
  private readonly sink: DisplaySink;
  private readonly now: () => number;
  private readonly throttleMs: number;
  private readonly smoothing: number;
  /** Whether this chart's first and final outputs carry plotly.js (see plotly_library.ts). */
  private readonly carryLibrary: boolean;
  private readonly batch = new Map<string, { x: number[]; y: number[]; ema: number; n: number }>();
  private readonly epochPoints = new Map<string, { x: number[]; y: number[] }>();
  private epoch = 0;
  private epochsDone = 0;
  private lastSent = -Infinity;
  private ended = false;

  static start(options: LiveCurvesOptions): LiveCurves {
    return new LiveCurves(options);
  }

  private constructor(private readonly options: LiveCurvesOptions) {
    if (!(options.stepsPerEpoch > 0)) {
      throw new RangeError(
        `LiveCurves: stepsPerEpoch must be a positive number of batches, got ${options.stepsPerEpoch}`,
      );
    }
    this.displayId = options.displayId ?? newDisplayId("nnlab-curves");
    this.sink = options.sink ?? getDisplaySink();
    this.now = options.now ?? Date.now;
    this.throttleMs = options.throttleMs ?? 300;
    this.smoothing = options.smoothing ?? 0.9;
    this.carryLibrary = this.sink.rich && claimPlotlyCarrier();
    if (this.sink.rich) this.send(false);
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  /** Per-batch logs; `batch` counts from 0 within the current epoch. */
  onBatchEnd(batch: number, logs: Logs): void {
    const x = this.epoch + (batch + 1) / this.options.stepsPerEpoch;
    for (const [key, value] of Object.entries(logs)) {
      if (key.startsWith("val_") || NOT_METRICS.has(key) || !Number.isFinite(value)) continue;
      const curve = this.batch.get(key) ?? { x: [], y: [], ema: 0, n: 0 };
      curve.n += 1;
      curve.ema = this.smoothing * curve.ema + (1 - this.smoothing) * value;
      curve.x.push(x);
      // Divide out the zero start of the average, so the first points are not pulled towards 0.
      curve.y.push(curve.ema / (1 - this.smoothing ** curve.n));
      thin(curve);
      this.batch.set(key, curve);
    }
    this.changed();
  }

  /** Per-epoch logs, train and `val_` values; `epoch` counts from 0. */
  onEpochEnd(epoch: number, logs: Logs): void {
    this.epochsDone = epoch + 1;
    for (const [key, value] of Object.entries(logs)) {
      if (NOT_METRICS.has(key) || !Number.isFinite(value)) continue;
      const points = this.epochPoints.get(key) ?? { x: [], y: [] };
      points.x.push(epoch + 1);
      points.y.push(value);
      this.epochPoints.set(key, points);
    }
    this.changed();
  }

  /** Sends the final chart (always, whatever the throttle), which stays as the output. */
  onTrainEnd(): void {
    if (this.ended) return;
    this.ended = true;
    this.send(true);
  }

  /** The chart as it is now. */
  bundle(): MimeBundle {
    return {
      ...chartBundle(curvesFigure(this.panels(), { epochs: this.options.epochs }), this.carryLibrary),
      "text/plain": this.summary(),
    };
  }

  private changed(): void {
    if (this.sink.rich && !this.ended && this.now() - this.lastSent >= this.throttleMs) this.send(true);
  }

  private send(update: boolean): void {
    const final = this.ended;
    const figure = curvesFigure(this.panels(), { epochs: this.options.epochs });
    // Intermediate updates reuse the plotly.js the first output put on the page; the final one must carry it
    // again when the first did, because it replaces that output in the saved notebook.
    const carry = this.carryLibrary && (!update || final);
    const bundle = { ...chartBundle(figure, carry), "text/plain": this.summary() };
    if (this.sink.rich) this.sink.display(bundle, { displayId: this.displayId, update });
    else this.sink.display(bundle);
    this.lastSent = this.now();
  }

  private panels(): CurvePanel[] {
    const keys = [...new Set([...this.batch.keys(), ...this.epochPoints.keys()])];
    const quantities = [...new Set(keys.map((k) => (k.startsWith("val_") ? k.slice(4) : k)))];
    quantities.sort((a, b) => Number(b === "loss") - Number(a === "loss"));
    // Before the first batch: an empty loss panel on the final axes rather than plotly's default blank axes.
    if (quantities.length === 0) quantities.push("loss");
    return quantities.map((quantity) => {
      const batch = this.batch.get(quantity);
      const train = this.epochPoints.get(quantity);
      const val = this.epochPoints.get(`val_${quantity}`);
      return {
        quantity,
        curves: [
          ...(batch ? [{ kind: "batch" as const, ...batch }] : []),
          ...(train ? [{ kind: "train" as const, ...train }] : []),
          ...(val ? [{ kind: "val" as const, ...val }] : []),
        ],
      };
    });
  }

  private summary(): string {
    const of = this.options.epochs ? `/${this.options.epochs}` : "";
    const values = [...this.epochPoints.entries()].map(([k, p]) => `${k} ${formatNumber(p.y[p.y.length - 1])}`);
    const state = this.ended ? "finished" : "running";
    return `training curves (${state}): epoch ${this.epochsDone}${of}${values.length ? `, ${values.join(", ")}` : ""}`;
  }
}

/** Keeps at most MAX_BATCH_POINTS per curve by dropping every other point, so updates stay small. */
function thin(curve: { x: number[]; y: number[] }): void {
  if (curve.x.length <= MAX_BATCH_POINTS) return;
  curve.x = curve.x.filter((_, i) => i % 2 === 0);
  curve.y = curve.y.filter((_, i) => i % 2 === 0);
}

const MAX_BATCH_POINTS = 1000;

/** Keys some Keras versions put in batch logs that are counters, not curves. */
const NOT_METRICS = new Set(["batch", "size"]);
