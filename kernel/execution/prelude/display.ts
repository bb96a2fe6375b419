/**
 * `display` and its mime helpers, and how any value becomes a mime bundle. Everything goes through
 * the runtime's display sink, which the executor points at the running cell.
 */
import { inspect } from "node:util";
import {
  bundleOf,
  getDisplaySink,
  isDisplayable,
  newDisplayId,
  type MimeBundle,
  type MimeMetadata,
} from "../../../runtime/display";

export interface ShowOptions {
  /** `true` or a string: the output gets a display id and `display` returns a handle to update it. */
  id?: string | true;
  /** Same as `id` with a string (the name Jupyter's messages use). */
  displayId?: string;
  /** Per-mime-type metadata, e.g. `{ "image/png": { width: 280 } }`. */
  metadata?: MimeMetadata;
}

/** An output that can be replaced in place. */
export interface DisplayHandle {
  readonly displayId: string;
  /** Replaces the output with `content` (an `update_display_data` message). */
  update(content: unknown): void;
}

/** Shows content of type `T`; with an id, returns a handle to update it. */
export interface Shower<T> {
  (content: T): void;
  (content: T, options: ShowOptions & ({ id: string | true } | { displayId: string })): DisplayHandle;
  (content: T, options?: ShowOptions): DisplayHandle | undefined;
}

/** Image bytes: a Buffer/Uint8Array, or a base64 string (a `data:` URL works too). */
export type ImageData = Uint8Array | string;

export interface Display extends Shower<unknown> {
  html: Shower<string>;
  markdown: Shower<string>;
  svg: Shower<string>;
  /** PNG bytes or base64. */
  png: Shower<ImageData>;
  /** JPEG bytes or base64. */
  jpeg: Shower<ImageData>;
  /** Any JSON value, shown with JupyterLab's JSON viewer. */
  json: Shower<unknown>;
  /** LaTeX source, e.g. `"$$\\sum_i x_i^2$$"`. */
  latex: Shower<string>;
}

/** The mime bundle of any value: its own `Symbol.for("Jupyter.display")` bundle, else `text/plain`. */
export function bundleForValue(value: unknown): MimeBundle {
  if (isDisplayable(value)) return bundleOf(value);
  return { "text/plain": formatValue(value) };
}

/** What the REPL would print: strings quoted, objects inspected without colors. */
function formatValue(value: unknown): string {
  return inspect(value, { depth: 4, colors: false, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100 });
}

/** Mime bundles of the `display.*` helpers (the tslab compatibility module shares them). */
export const bundles = {
  html: (s: string): MimeBundle => ({ "text/html": s, "text/plain": summary("HTML", s) }),
  markdown: (s: string): MimeBundle => ({ "text/markdown": s, "text/plain": s }),
  svg: (s: string): MimeBundle => ({ "image/svg+xml": s, "text/plain": summary("SVG", s) }),
  latex: (s: string): MimeBundle => ({ "text/latex": s, "text/plain": s }),
  json: (v: unknown): MimeBundle => ({ "application/json": v, "text/plain": formatValue(v) }),
  png: (b: ImageData): MimeBundle => image("image/png", b),
  jpeg: (b: ImageData): MimeBundle => image("image/jpeg", b),
};

/**
 * Shows any value in the cell's output: objects that know their mime bundle
 * (`[Symbol.for("Jupyter.display")]()`) richly, everything else as text.
 * `display(x, { id: true })` returns a handle whose `update(y)` replaces the output in place.
 */
export const display: Display = Object.assign(shower(bundleForValue), {
  html: shower(bundles.html),
  markdown: shower(bundles.markdown),
  svg: shower(bundles.svg),
  png: shower(bundles.png),
  jpeg: shower(bundles.jpeg),
  json: shower(bundles.json),
  latex: shower(bundles.latex),
});

/** Clears the cell's output; with `{ wait: true }` only when the next output arrives (no flicker). */
export function clearOutput(options: { wait?: boolean } = {}): void {
  getDisplaySink().clearOutput(options.wait ?? false);
}

/** Sends a bundle to the running cell, as a new output or as an update of `displayId`. */
export function send(bundle: MimeBundle, displayId?: string, update = false, metadata?: MimeMetadata): void {
  getDisplaySink().display(bundle, { displayId, update, metadata });
}

function shower<T>(render: (content: T) => MimeBundle): Shower<T> {
  function show(content: T, options: ShowOptions = {}): DisplayHandle | undefined {
    const wanted = options.displayId ?? options.id;
    const displayId = wanted === true ? newDisplayId() : wanted;
    send(render(content), displayId, false, options.metadata);
    if (displayId === undefined) return undefined;
    return {
      displayId,
      update: (next: unknown) => send(render(next as T), displayId, true, options.metadata),
    };
  }
  return show as Shower<T>;
}

function summary(kind: string, source: string): string {
  const oneLine = source.replace(/\s+/g, " ").trim();
  return `<${kind}: ${oneLine.length > 60 ? oneLine.slice(0, 57) + "..." : oneLine}>`;
}

function image(mime: "image/png" | "image/jpeg", data: ImageData): MimeBundle {
  const bytes = typeof data === "string" ? Buffer.from(data.replace(/^data:[^,]*,/, ""), "base64") : Buffer.from(data);
  const size = mime === "image/png" && bytes.length >= 24 ? ` ${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}` : "";
  return { [mime]: bytes.toString("base64"), "text/plain": `<${mime === "image/png" ? "PNG" : "JPEG"} image${size}>` };
}
