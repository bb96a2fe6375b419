import type { PlotlyFigure } from "./chart";
import { round4 } from "./format";
import { axisSuffix, subplotLayout } from "./subplots";

/** One line in a training-curve panel. */
export interface Curve {
  readonly kind: "train" | "val" | "batch";
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** One subplot: a quantity (loss, accuracy, ...) and its curves. */
export interface CurvePanel {
  readonly quantity: string;
  readonly curves: readonly Curve[];
}

export interface CurvesFigureOptions {
  readonly title?: string;
  /**
   * Planned epochs: the x axis spans the whole run from the start, so a live
   * chart fills from left to right instead of rescaling after every batch.
   */
  readonly epochs?: number;
}

/**
 * Training curves as plotly subplots, one per quantity, epochs on x (ticks
 * on whole epochs), train in blue and validation in orange in every panel
 * (one legend for all panels), the smoothed per-batch curve as a thin light
 * line under the epoch points.
 */
export function curvesFigure(panels: readonly CurvePanel[], { title, epochs }: CurvesFigureOptions = {}): PlotlyFigure {
  const data: Record<string, unknown>[] = [];
  const legendShown = new Set<string>();
  panels.forEach((panel, i) => {
    for (const curve of panel.curves) {
      const style = STYLE[curve.kind];
      data.push({
        type: "scatter",
        name: style.name,
        legendgroup: curve.kind,
        showlegend: !legendShown.has(curve.kind),
        x: curve.x.map(round4),
        y: curve.y.map(round4),
        mode: style.mode,
        line: style.line,
        // Points on the last epoch sit on the edge of a fixed x range; clipping would halve their markers.
        cliponaxis: false,
        xaxis: `x${axisSuffix(i)}`,
        yaxis: `y${axisSuffix(i)}`,
        hovertemplate: `${panel.quantity} (${style.name})<br>epoch %{x}<br>%{y:.4g}<extra></extra>`,
      });
      legendShown.add(curve.kind);
    }
  });
  const lastEpoch = epochs ?? Math.max(1, ...panels.flatMap((p) => p.curves.flatMap((c) => c.x)));
  const xAxis = {
    title: { text: "epoch" },
    tick0: 0,
    dtick: epochTickStep(lastEpoch),
    ...(epochs ? { range: [0, epochs] } : {}),
  };
  const columns = Math.min(3, panels.length);
  const rowsOfPanels = Math.ceil(panels.length / Math.max(1, columns));
  return {
    data,
    layout: {
      ...(title ? { title: { text: title } } : {}),
      ...subplotLayout(panels.length, columns, (i) => ({
        x: xAxis,
        y: { title: { text: panels[i].quantity } },
      })),
      height: 80 + 300 * rowsOfPanels,
      margin: { t: title ? 60 : 30 },
      legend: { orientation: "h", y: -0.2 },
    },
  };
}

/** Whole epochs between x ticks: 1, 2, 5, 10, 20, ... so that at most about ten ticks show. */
function epochTickStep(lastEpoch: number): number {
  for (let magnitude = 1; ; magnitude *= 10) {
    for (const step of [1, 2, 5]) if (lastEpoch / (step * magnitude) <= 10) return step * magnitude;
  }
}

const STYLE = {
  train: { name: "train", mode: "lines+markers", line: { color: "#1f77b4" } },
  val: { name: "validation", mode: "lines+markers", line: { color: "#ff7f0e" } },
  batch: { name: "train (per batch, smoothed)", mode: "lines", line: { color: "#9ecae1", width: 1 } },
} as const;
