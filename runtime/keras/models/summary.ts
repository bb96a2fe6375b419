/**
 * model.summary(): Keras's table of layers (name and class, output shape,
 * parameter count, and for graph models what each layer is connected to),
 * then total, trainable and non-trainable parameter counts with their size in
 * memory. As text/plain (box-drawn, as Keras 3 prints it) and text/html.
 */
import type { MimeBundle } from "../../display";
import type { Layer } from "../engine/layer";
import type { Weight } from "../engine/weight";
import { formatShape } from "../utils/shape";

/** What the summary reads of a model. */
export interface SummaryModel {
  readonly name: string;
  readonly layers: readonly Layer[];
  readonly weights: readonly Weight[];
}

interface Row {
  layer: string;
  shape: string;
  params: string;
}

interface Totals {
  total: number;
  trainable: number;
  nonTrainable: number;
}

export function summaryText(model: SummaryModel): string {
  const { rows, totals } = summaryData(model);
  const widths = [
    Math.max(31, ...rows.map((r) => r.layer.length)),
    Math.max(22, ...rows.map((r) => r.shape.length)),
    Math.max(13, ...rows.map((r) => r.params.length)),
  ];
  const line = (l: string, m: string, r: string) => l + widths.map((w) => "━".repeat(w + 2)).join(m) + r;
  const thin = (l: string, m: string, r: string) => l + widths.map((w) => "─".repeat(w + 2)).join(m) + r;
  const cells = (c: [string, string, string], edge: string) =>
    edge + ` ${c[0].padEnd(widths[0])} ${edge} ${c[1].padEnd(widths[1])} ${edge} ${c[2].padStart(widths[2])} ` + edge;
  const out = [
    `Model: "${model.name}"`,
    line("┏", "┳", "┓"),
    cells(["Layer (type)", "Output Shape", "Param #"], "┃"),
    line("┡", "╇", "┩"),
  ];
  rows.forEach((r, i) => {
    out.push(cells([r.layer, r.shape, r.params], "│"));
    if (i < rows.length - 1) out.push(thin("├", "┼", "┤"));
  });
  out.push(thin("└", "┴", "┘"));
  out.push(...totalLines(totals));
  return out.join("\n");
}

export function summaryBundle(model: SummaryModel): MimeBundle {
  const { rows, totals } = summaryData(model);
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const body = rows
    .map(
      (r) =>
        `<tr><td style="text-align:left">${esc(r.layer)}</td><td style="text-align:left"><code>${esc(r.shape)}</code></td><td style="text-align:right">${r.params}</td></tr>`,
    )
    .join("");
  const html =
    `<div><b>Model: "${esc(model.name)}"</b>` +
    `<table><thead><tr><th style="text-align:left">Layer (type)</th><th style="text-align:left">Output Shape</th><th style="text-align:right">Param #</th></tr></thead>` +
    `<tbody>${body}</tbody></table>` +
    `<pre>${esc(totalLines(totals).join("\n"))}</pre></div>`;
  return { "text/plain": summaryText(model), "text/html": html };
}

/** The rows and counts; also what tests compare with Keras's numbers. */
export function summaryData(model: SummaryModel): { rows: Row[]; totals: Totals } {
  const rows = model.layers.map((l) => ({
    layer: `${l.name} (${l.className})`,
    shape: outputShape(l),
    params: l.built ? count(l.countParams()) : "0 (unbuilt)",
  }));
  const weights = model.weights;
  const trainable = weights.filter((w) => w.trainable).reduce((n, w) => n + w.size, 0);
  const total = weights.reduce((n, w) => n + w.size, 0);
  return { rows, totals: { total, trainable, nonTrainable: total - trainable } };
}

function outputShape(layer: Layer): string {
  return layer.lastOutputShape ? formatShape(layer.lastOutputShape) : "?";
}

function totalLines({ total, trainable, nonTrainable }: Totals): string[] {
  return [
    ` Total params: ${count(total)} (${bytes(total * 4)})`,
    ` Trainable params: ${count(trainable)} (${bytes(trainable * 4)})`,
    ` Non-trainable params: ${count(nonTrainable)} (${bytes(nonTrainable * 4)})`,
  ];
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** Keras's size notation: "136.04 KB" (1 KB = 1024 bytes). */
function bytes(n: number): string {
  if (n < 1024) return `${n.toFixed(2)} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(2)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}
