import { JUPYTER_DISPLAY, type Displayable, type MimeBundle } from "../display";
import { encodePng } from "./png";
import type { Raster } from "./raster";

/**
 * What every viz function returns: shown by a notebook when it is a cell's
 * last expression or passed to `display()`, and readable as data through
 * `bundle()`.
 */
export class VizOutput implements Displayable {
  constructor(
    private readonly text: string,
    private readonly rich: () => Record<string, unknown>,
  ) {}

  /**
   * The mime bundle. Built on each call because a chart decides when it is
   * shown whether it carries plotly.js (see plotly_library.ts).
   */
  bundle(): MimeBundle {
    return { ...this.rich(), "text/plain": this.text };
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return this.bundle();
  }

  /** The text/plain part, so `console.log` and template strings print something useful. */
  toString(): string {
    return this.text;
  }
}

/** A picture output: `image/png`, encoded once on first display. */
export function imageOutput(raster: Raster, text: string): VizOutput {
  let base64: string | undefined;
  return new VizOutput(text, () => {
    base64 ??= encodePng(raster).toString("base64");
    return { "image/png": base64 };
  });
}
