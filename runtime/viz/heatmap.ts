import { chartOutput } from "./chart";
import type { ColormapName } from "./colormap";
import { extent, toDenseOfRank } from "./data";
import { formatNumber, shapeLabel } from "./format";
import { autoColormap, checkLabels, heatmapTrace, labelledAxis } from "./heatmap_trace";
import type { VizOutput } from "./output";
import type { ArrayInput } from "./types";

export interface HeatmapOptions {
  /** One label per column (e.g. tokens), drawn on the x axis and in hover text. */
  readonly xLabels?: readonly string[];
  /** One label per row. */
  readonly yLabels?: readonly string[];
  readonly title?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  /** Default: diverging (centred on 0) when values have both signs, viridis otherwise. */
  readonly colormap?: ColormapName;
}

/**
 * A matrix `[rows, columns]` as an interactive heatmap: hover shows each
 * value with its row and column labels, a colorbar shows the scale, row 0 is
 * at the top. Works for hidden states (`[time, units]`) and attention weights.
 */
export function heatmap(matrix: ArrayInput, options: HeatmapOptions = {}): VizOutput {
  const op = "viz.heatmap";
  const dense = toDenseOfRank(matrix, [2], op, "the matrix");
  const [r, c] = dense.shape;
  checkLabels(op, "xLabels", options.xLabels, c, "columns");
  checkLabels(op, "yLabels", options.yLabels, r, "rows");
  const values = extent(dense.data);
  const { colormap, range } = autoColormap(values, options.colormap);
  const xTitle = options.xTitle ?? "column";
  const yTitle = options.yTitle ?? "row";
  const figure = {
    data: [heatmapTrace(dense, { ...options, xName: xTitle, yName: yTitle, colormap, range })],
    layout: {
      title: options.title ? { text: options.title } : undefined,
      xaxis: labelledAxis(xTitle, options.xLabels),
      yaxis: labelledAxis(yTitle, options.yLabels, { autorange: "reversed" }),
      height: Math.min(800, Math.max(340, 140 + r * 16)),
      margin: { t: options.title ? 50 : 20 },
    },
  };
  const text = `${options.title ?? "heatmap"}: ${shapeLabel(dense.shape)} matrix, values ${formatNumber(values[0])} to ${formatNumber(values[1])}`;
  return chartOutput(figure, text);
}
