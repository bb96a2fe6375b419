/** Short number labels for colorbars, hover text and text/plain summaries. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e4 || abs < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

/** A shape as `28x28x1`, the way titles and summaries print it (keras/utils/shape.ts's formatShape writes Keras's "(None, 28, 28, 1)" for errors). */
export function shapeLabel(shape: readonly number[]): string {
  return shape.length === 0 ? "scalar" : shape.join("x");
}

/** Rounds to 4 significant digits so plotly JSON stays small. */
export function round4(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : v;
}

/** `text` safe inside HTML: `&`, `<` and `>` escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
