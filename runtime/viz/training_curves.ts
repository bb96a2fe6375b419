import { chartOutput } from "./chart";
import { curvesFigure, type CurvePanel } from "./curves_figure";
import { formatNumber } from "./format";
import type { VizOutput } from "./output";
import type { HistoryLike } from "./types";

/**
 * The curves of a finished `fit`: one subplot per quantity (loss, then each
 * metric), train and validation (`val_` keys) in each, epochs counted from 1.
 */
export function trainingCurves(history: HistoryLike, { title }: { title?: string } = {}): VizOutput {
  const panels = historyPanels(history);
  if (panels.length === 0) {
    throw new RangeError("viz.trainingCurves: the history has no logs; train with model.fit first");
  }
  const epochs = history.epoch.length;
  const last = panels.map((p) => {
    const finals = p.curves.map((c) => `${c.kind === "val" ? "val " : ""}${formatNumber(c.y[c.y.length - 1])}`);
    return `${p.quantity} ${finals.join(" / ")}`;
  });
  return chartOutput(curvesFigure(panels, { title }), `training curves: ${epochs} epochs, final ${last.join(", ")}`);
}

/** Panels from Keras history keys: `loss` first, `val_x` joined with `x`. */
function historyPanels(history: HistoryLike): CurvePanel[] {
  const keys = Object.keys(history.history);
  const quantities = [...new Set(keys.map((k) => (k.startsWith("val_") ? k.slice(4) : k)))];
  quantities.sort((a, b) => Number(b === "loss") - Number(a === "loss"));
  return quantities.map((quantity) => ({
    quantity,
    curves: (["train", "val"] as const)
      .map((kind) => ({ kind, values: history.history[kind === "val" ? `val_${quantity}` : quantity] }))
      .filter(({ values }) => values !== undefined && values.length > 0)
      .map(({ kind, values }) => ({
        kind,
        x: values.map((_, i) => (history.epoch[i] ?? i) + 1),
        y: values,
      })),
  }));
}
