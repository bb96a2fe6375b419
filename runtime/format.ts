/**
 * How a tensor shows itself: `text/plain` modelled on NumPy's repr (values
 * aligned in columns, long axes elided with "..."), and for small 1-D and
 * 2-D tensors a `text/html` table.
 */
import { shapeString, type DType, type Shape, type TypedData } from "./backend/backend";
import type { MimeBundle } from "./display";

/**
 * What a repr reads of a tensor. Structural, so that this module needs no import of the Tensor class
 * (which calls it).
 */
export interface Printable {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly rank: number;
  readonly isDisposed: boolean;
  dataSync(): TypedData;
}

/** Tensors above this many elements are elided, as NumPy's print threshold. */
const THRESHOLD = 1000;
/** Items kept at each end of an elided axis. */
const EDGE = 3;
/** Largest 1-D length / 2-D side drawn as an HTML table. */
const HTML_MAX = 32;

export function tensorRepr(t: Printable): string {
  const meta = `shape=${shapeString(t.shape)}, dtype=${t.dtype}`;
  if (t.isDisposed) return `Tensor(<disposed>, ${meta})`;
  const data = t.dataSync();
  const elide = data.length > THRESHOLD;
  const format = numberFormat(data, t.dtype === "int32");
  const prefix = "Tensor(";
  const body = render(data, t.shape, 0, 0, elide, format, prefix.length + 1);
  return `${prefix}${body}, ${meta})`;
}

export function tensorBundle(t: Printable): MimeBundle {
  const text = tensorRepr(t);
  if (t.isDisposed || t.rank === 0 || t.rank > 2 || t.shape.some((d) => d > HTML_MAX || d === 0)) {
    return { "text/plain": text };
  }
  const data = t.dataSync();
  const format = numberFormat(data, t.dtype === "int32");
  const [rows, cols] = t.rank === 1 ? [1, t.shape[0]] : [t.shape[0], t.shape[1]];
  const cell = "padding:2px 6px;text-align:right;font-family:monospace";
  const head = Array.from({ length: cols }, (_, j) => `<th style="${cell}">${j}</th>`).join("");
  const body = Array.from({ length: rows }, (_, i) => {
    const label = t.rank === 2 ? `<th style="${cell}">${i}</th>` : "";
    const tds = Array.from(
      { length: cols },
      (_, j) => `<td style="${cell}">${format(data[i * cols + j]).trim()}</td>`,
    ).join("");
    return `<tr>${label}${tds}</tr>`;
  }).join("");
  const corner = t.rank === 2 ? "<th></th>" : "";
  const caption = `<caption style="caption-side:bottom;text-align:left;font-size:smaller">shape ${shapeString(t.shape)}, ${t.dtype}</caption>`;
  const html = `<table class="nnlab-tensor">${caption}<thead><tr>${corner}${head}</tr></thead><tbody>${body}</tbody></table>`;
  return { "text/plain": text, "text/html": html };
}

/** A formatter that right-aligns every value of the tensor to one width. */
function numberFormat(data: TypedData, integer: boolean): (v: number) => string {
  let finite = 0;
  let maxAbs = 0;
  let minAbs = Infinity;
  let allIntegral = true;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    finite += 1;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a > 0 && a < minAbs) minAbs = a;
    if (!Number.isInteger(v)) allIntegral = false;
  }
  let fmt: (v: number) => string;
  if (integer) fmt = (v) => String(v);
  else if (finite > 0 && (maxAbs >= 1e8 || (minAbs < 1e-4 && maxAbs / minAbs > 1e3)))
    fmt = (v) => special(v) ?? v.toExponential(4);
  else if (allIntegral) fmt = (v) => special(v) ?? `${v}.`;
  else fmt = (v) => special(v) ?? v.toFixed(4);
  let width = 0;
  for (let i = 0; i < data.length; i++) width = Math.max(width, fmt(data[i]).length);
  return (v) => fmt(v).padStart(width);
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return undefined;
}

function render(
  data: TypedData,
  shape: Shape,
  dim: number,
  offset: number,
  elide: boolean,
  format: (v: number) => string,
  indent: number,
): string {
  if (shape.length === 0) return format(data[offset]).trim();
  const n = shape[dim];
  const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const shown: (number | null)[] =
    elide && n > 2 * EDGE
      ? [...Array.from({ length: EDGE }, (_, i) => i), null, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
      : Array.from({ length: n }, (_, i) => i);
  if (dim === shape.length - 1) {
    return `[${shown.map((i) => (i === null ? "..." : format(data[offset + i]))).join(", ")}]`;
  }
  const pad = " ".repeat(indent + dim);
  const blank = "\n".repeat(shape.length - dim - 1);
  const parts = shown.map((i) =>
    i === null ? "..." : render(data, shape, dim + 1, offset + i * stride, elide, format, indent),
  );
  return `[${parts.join(`,${blank}${pad}`)}]`;
}
