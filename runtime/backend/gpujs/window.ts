/**
 * The sliding-window geometry that convolution and pooling share, as loops
 * in kernel source. Forward passes walk the taps of one output pixel's
 * window; backward passes, written in gather form, walk the output pixels
 * whose windows cover one input pixel (for each tap, the output pixel that
 * read this input through it, when the stride lets one exist).
 */
import type { Conv2DGeometry, Pool2DGeometry } from "../backend";

/** A 2-D window of taps sliding over an input to produce an output grid. */
export interface Window2D {
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  tapsHigh: number;
  tapsWide: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

export function convWindow(g: Conv2DGeometry): Window2D {
  return { ...g, tapsHigh: g.filterHeight, tapsWide: g.filterWidth };
}

export function poolWindow(g: Pool2DGeometry): Window2D {
  return { ...g, tapsHigh: g.windowHeight, tapsWide: g.windowWidth, dilationHeight: 1, dilationWidth: 1 };
}

/**
 * Runs `inner` for each tap of the window at output pixel (`oy`, `ox`) that
 * lands inside the input, in row-major tap order. Defines `${tap}y`/`${tap}x`
 * (the tap) and `iy`/`ix` (the input pixel) for `inner`.
 */
export function forEachTap(w: Window2D, oy: string, ox: string, inner: readonly string[], tap = "f"): string[] {
  return [
    `for (let ${tap}y = 0; ${tap}y < ${w.tapsHigh}; ${tap}y++) {`,
    `  const iy = ${oy} * ${w.strideHeight} - ${w.padTop} + ${tap}y * ${w.dilationHeight};`,
    `  if (iy >= 0 && iy < ${w.inHeight}) {`,
    `    for (let ${tap}x = 0; ${tap}x < ${w.tapsWide}; ${tap}x++) {`,
    `      const ix = ${ox} * ${w.strideWidth} - ${w.padLeft} + ${tap}x * ${w.dilationWidth};`,
    `      if (ix >= 0 && ix < ${w.inWidth}) {`,
    ...inner.map((line) => `        ${line}`),
    "      }",
    "    }",
    "  }",
    "}",
  ];
}

/**
 * Runs `inner` for each (tap, output pixel) pair whose window reads input
 * pixel (`iy`, `ix`). Defines `fy`/`fx` (the tap) and `oy`/`ox` (the output
 * pixel) for `inner`.
 */
export function forEachCoveringOutput(w: Window2D, iy: string, ix: string, inner: readonly string[]): string[] {
  return [
    `for (let fy = 0; fy < ${w.tapsHigh}; fy++) {`,
    `  const ty = ${iy} + ${w.padTop} - fy * ${w.dilationHeight};`,
    `  const oy = Math.floor(ty / ${w.strideHeight});`,
    `  if (ty >= 0 && oy * ${w.strideHeight} === ty && oy < ${w.outHeight}) {`,
    `    for (let fx = 0; fx < ${w.tapsWide}; fx++) {`,
    `      const tx = ${ix} + ${w.padLeft} - fx * ${w.dilationWidth};`,
    `      const ox = Math.floor(tx / ${w.strideWidth});`,
    `      if (tx >= 0 && ox * ${w.strideWidth} === tx && ox < ${w.outWidth}) {`,
    ...inner.map((line) => `        ${line}`),
    "      }",
    "    }",
    "  }",
    "}",
  ];
}
