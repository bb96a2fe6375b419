/**
 * What `require("tslab")` / `import * as tslab from "tslab"` gives a cell, so notebooks written for
 * tslab run unchanged: `tslab.display.html(...)` and friends, `newDisplay()`, `versions`.
 */
import { bundles, send, type ImageData } from "./display";
import { newDisplayId, type MimeBundle } from "../../../runtime/display";

export interface Display {
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: ImageData): void;
  jpeg(b: ImageData): void;
  gif(b: ImageData): void;
  pdf(b: ImageData): void;
  text(s: string): void;
  /** Any mime type; bytes are sent base64-encoded. */
  raw(contentType: string, b: string | Uint8Array): void;
}

/** Shows rich content in the cell's output (tslab's API). */
export const display: Display = createDisplay(undefined);

/** A `Display` whose every call replaces its one output in place. */
export function newDisplay(): Display {
  return createDisplay(newDisplayId("tslab"));
}

/** Versions of what runs the cells. */
export const versions = {
  tslab: "nnlab compatibility",
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file outside the compiled sources
  typescript: (require("typescript/package.json") as { version: string }).version,
  node: process.version,
};

function createDisplay(displayId: string | undefined): Display {
  let shown = false;
  const show = (bundle: MimeBundle): void => {
    send(bundle, displayId, displayId !== undefined && shown);
    shown = true;
  };
  const raw = (contentType: string, b: string | Uint8Array): void =>
    show({
      [contentType]: typeof b === "string" ? b : Buffer.from(b).toString("base64"),
      "text/plain": `<${contentType}>`,
    });
  return {
    javascript: (s) => raw("application/javascript", s),
    html: (s) => show(bundles.html(s)),
    markdown: (s) => show(bundles.markdown(s)),
    latex: (s) => show(bundles.latex(s)),
    svg: (s) => show(bundles.svg(s)),
    png: (b) => show(bundles.png(b)),
    jpeg: (b) => show(bundles.jpeg(b)),
    gif: (b) => raw("image/gif", b),
    pdf: (b) => raw("application/pdf", b),
    text: (s) => show({ "text/plain": s }),
    raw,
  };
}
