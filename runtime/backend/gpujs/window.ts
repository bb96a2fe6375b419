/**
 * The sliding-window geometry that convolution and pooling share, as loops
 * in kernel source. Forward passes walk the taps of one output pixel's
 * window; backward passes, written in gather form, walk the output pixels
 * whose windows cover one input pixel (for each tap, the output pixel that
 * read this input through it, when the stride lets one exist).
 */
import type { Conv2DGeometry, Pool2DGeometry } from "../backend";
import { linear } from "./source";

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
    `  const iy = ${linear(
      [
        [oy, w.strideHeight],
        [`${tap}y`, w.dilationHeight],
      ],
      -w.padTop,
    )};`,
    `  if (iy >= 0 && iy < ${w.inHeight}) {`,
    `    for (let ${tap}x = 0; ${tap}x < ${w.tapsWide}; ${tap}x++) {`,
    `      const ix = ${linear(
      [
        [ox, w.strideWidth],
        [`${tap}x`, w.dilationWidth],
      ],
      -w.padLeft,
    )};`,
    `      if (ix >= 0 && ix < ${w.inWidth}) {`,
    ...indent(4, inner),
    "      }",
    "    }",
    "  }",
    "}",
  ];
}

/**
 * Whether every tap of every window lands inside the input, vertically and
 * horizontally (true without padding): then a loop over output pixels needs
 * no bounds test and can be unrolled.
 */
export function alwaysInside(w: Window2D): [boolean, boolean] {
  const inside = (pad: number, out: number, stride: number, taps: number, dilation: number, size: number): boolean =>
    pad <= 0 && (out - 1) * stride - pad + (taps - 1) * dilation < size;
  return [
    inside(w.padTop, w.outHeight, w.strideHeight, w.tapsHigh, w.dilationHeight, w.inHeight),
    inside(w.padLeft, w.outWidth, w.strideWidth, w.tapsWide, w.dilationWidth, w.inWidth),
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
    ...indent(
      1,
      outputOf(
        "y",
        linear(
          [
            [iy, 1],
            ["fy", -w.dilationHeight],
          ],
          w.padTop,
        ),
        w.strideHeight,
        w.outHeight,
      ),
    ),
    `    for (let fx = 0; fx < ${w.tapsWide}; fx++) {`,
    ...indent(
      2,
      outputOf(
        "x",
        linear(
          [
            [ix, 1],
            ["fx", -w.dilationWidth],
          ],
          w.padLeft,
        ),
        w.strideWidth,
        w.outWidth,
      ),
    ),
    ...indent(4, inner),
    "      }",
    "    }",
    "  }",
    "}",
  ];
}

/**
 * Defines `o${axis}`, the output coordinate whose window start sits `offset`
 * before this input coordinate, and opens a block entered only when that
 * output exists (the offset is a whole number of strides, inside the grid).
 */
function outputOf(axis: "y" | "x", offset: string, stride: number, size: number): string[] {
  if (stride === 1) return [`const o${axis} = ${offset};`, `if (o${axis} >= 0 && o${axis} < ${size}) {`];
  return [
    `const t${axis} = ${offset};`,
    `const o${axis} = Math.floor(t${axis} / ${stride});`,
    `if (t${axis} >= 0 && o${axis} * ${stride} === t${axis} && o${axis} < ${size}) {`,
  ];
}

function indent(levels: number, lines: readonly string[]): string[] {
  return lines.map((line) => `${"  ".repeat(levels)}${line}`);
}
