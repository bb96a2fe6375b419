import { plotlyColorscale, type ColormapName } from "./colormap";
import { rows, type Dense } from "./data";
import { round4 } from "./format";

export interface HeatmapTraceOptions {
  readonly xLabels?: readonly string[];
  readonly yLabels?: readonly string[];
  /** What x and y are, for hover text ("key", "query", "time", "unit"). */
  readonly xName?: string;
  readonly yName?: string;
  readonly colormap: ColormapName;
  /** Value range of the colours; a diverging colormap is centred on 0. */
  readonly range: readonly [number, number];
  /** A plotly texttemplate printed in every cell, e.g. "%{z}" for a confusion matrix's counts. */
  readonly cellText?: string;
  /** Axis suffix for subplots ("2" draws on xaxis2/yaxis2). */
  readonly axis?: string;
  readonly showScale?: boolean;
}

/**
 * A plotly heatmap of a `[rows, columns]` matrix. Cells sit at integer
 * positions and labels go on the ticks, because a categorical axis would merge
 * repeated tokens ("the cat saw the dog" has two "the").
 */
export function heatmapTrace(matrix: Dense, options: HeatmapTraceOptions): Record<string, unknown> {
  const z = rows(matrix).map((r) => r.map(round4));
  const { xLabels, yLabels, xName = "x", yName = "y", colormap, range, axis = "" } = options;
  const trace: Record<string, unknown> = {
    type: "heatmap",
    z,
    colorscale: plotlyColorscale(colormap),
    zmin: range[0],
    zmax: range[1],
    showscale: options.showScale ?? true,
    xaxis: `x${axis}`,
    yaxis: `y${axis}`,
    hovertemplate: `${yName}: %{y}<br>${xName}: %{x}<br>value: %{z:.4g}<extra></extra>`,
  };
  if (xLabels || yLabels) {
    trace.text = z.map((r, i) => r.map((_, j) => `${yName}: ${yLabels?.[i] ?? i}<br>${xName}: ${xLabels?.[j] ?? j}`));
    trace.hovertemplate = "%{text}<br>value: %{z:.4g}<extra></extra>";
  }
  if (options.cellText) trace.texttemplate = options.cellText;
  return trace;
}

/** A plotly axis whose ticks show `labels` at 0, 1, 2, ... (thinned out past ~40 so they stay readable). */
export function labelledAxis(
  title: string,
  labels: readonly string[] | undefined,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const axis: Record<string, unknown> = { title: { text: title }, ...extra };
  if (labels) {
    const step = Math.max(1, Math.ceil(labels.length / 40));
    const ticks = labels.map((_, i) => i).filter((i) => i % step === 0);
    Object.assign(axis, { tickmode: "array", tickvals: ticks, ticktext: ticks.map((i) => labels[i]) });
  }
  return axis;
}

/** The colormap and colour range for values in [min, max]: diverging around 0 when they have both signs. */
export function autoColormap(
  [min, max]: readonly [number, number],
  requested?: ColormapName,
): { colormap: ColormapName; range: [number, number] } {
  const colormap = requested ?? (min < 0 && max > 0 ? "diverging" : "viridis");
  if (colormap === "diverging") {
    const m = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return { colormap, range: [-m, m] };
  }
  return { colormap, range: [min, max === min ? min + 1 : max] };
}

/** Throws when a label list does not match the axis it labels. */
export function checkLabels(
  op: string,
  name: string,
  labels: readonly string[] | undefined,
  expected: number,
  axis: string,
): void {
  if (labels && labels.length !== expected) {
    throw new RangeError(`${op}: ${name} has ${labels.length} labels but the matrix has ${expected} ${axis}`);
  }
}
