import { chartOutput } from "./chart";
import { extent, squeezeBatch, toDenseOfRank } from "./data";
import { shapeLabel } from "./format";
import { checkLabels, heatmapTrace, labelledAxis } from "./heatmap_trace";
import type { VizOutput } from "./output";
import { subplotLayout } from "./subplots";
import type { ArrayInput } from "./types";

export interface AttentionOptions {
  /** One token per query (row). */
  readonly queryTokens: readonly string[];
  /** One token per key (column). */
  readonly keyTokens: readonly string[];
  readonly title?: string;
}

/**
 * Attention weights `[queries, keys]`, or `[heads, queries, keys]` (one panel
 * per head), as heatmaps with the query tokens down and the key tokens across;
 * hovering a cell shows both tokens and the weight.
 */
export function attention(weights: ArrayInput, options: AttentionOptions): VizOutput {
  const op = "viz.attention";
  const dense = squeezeBatch(toDenseOfRank(weights, [2, 3, 4], op, "the attention weights"), 3);
  if (dense.shape.length === 4) {
    throw new RangeError(
      `${op}: weights [batch, heads, queries, keys] must have batch 1, got [${dense.shape.join(", ")}]`,
    );
  }
  const [heads, q, k] = dense.shape.length === 2 ? [1, ...dense.shape] : dense.shape;
  checkLabels(op, "queryTokens", options.queryTokens, q, "queries (rows)");
  checkLabels(op, "keyTokens", options.keyTokens, k, "keys (columns)");
  const [min, max] = extent(dense.data);
  const range: [number, number] = [Math.min(0, min), max > Math.min(0, min) ? max : 1];
  const data = Array.from({ length: heads }, (_, h) =>
    heatmapTrace(
      { shape: [q, k], data: Array.prototype.slice.call(dense.data, h * q * k, (h + 1) * q * k) as number[] },
      {
        xLabels: options.keyTokens,
        yLabels: options.queryTokens,
        xName: "key",
        yName: "query",
        colormap: "viridis",
        range,
        axis: h === 0 ? "" : String(h + 1),
        showScale: h === 0,
      },
    ),
  );
  const columns = Math.min(heads, 2);
  const figure = {
    data,
    layout: {
      ...(options.title ? { title: { text: options.title } } : {}),
      ...subplotLayout(heads, columns, (h) => ({
        x: labelledAxis(heads > 1 ? `key (head ${h})` : "key", options.keyTokens, { tickangle: -45 }),
        y: labelledAxis("query", options.queryTokens, { autorange: "reversed" }),
      })),
      height: Math.ceil(heads / columns) * Math.min(700, Math.max(380, 160 + q * 30)),
    },
  };
  const strongest = options.queryTokens.map((token, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (dense.data[i * k + j] > dense.data[i * k + best]) best = j;
    return `${token}\u2192${options.keyTokens[best]}`;
  });
  const head = `viz.attention: ${heads > 1 ? `${heads} heads of ` : ""}${shapeLabel([q, k])} weights (queries x keys)`;
  return chartOutput(
    figure,
    `${head}; strongest key per query${heads > 1 ? " (head 0)" : ""}: ${strongest.join(", ")}`,
  );
}
