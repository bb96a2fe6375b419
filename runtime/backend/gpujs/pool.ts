/**
 * 2-D pooling (NHWC) and its gradients. Forward passes gather over one
 * window per thread. The backward passes are written in gather form, one
 * input pixel per thread summing the windows that cover it, because a gpu.js
 * thread can only write its own output; max pooling's backward recomputes
 * each covering window's arg-max to see whether this pixel won it.
 */
import type { Pool2DGeometry } from "../backend";
import { kernel, linear, unravel, type KernelSpec } from "./source";
import { forEachCoveringOutput, forEachTap, poolWindow } from "./window";

/** Max or average over each window's in-bounds taps; a window with none gives 0. */
export function pool2dSpec(op: "max" | "avg", g: Pool2DGeometry): KernelSpec {
  const C = g.channels;
  // Max starts from the first in-bounds tap, not -Infinity: WGSL rejects an infinite constant in a shader.
  const take = op === "max" ? "if (count === 0 || v > acc || v !== v) { acc = v; }" : "acc += v;";
  const result = op === "max" ? "acc" : "acc / count";
  const body = [
    ...unravel("this.thread.x", [g.batch, g.outHeight, g.outWidth, C], "o"),
    "let acc = 0.0;",
    "let count = 0;",
    ...forEachTap(poolWindow(g), "o1", "o2", [`const v = x[${pixel(g, "o0", "iy", "ix", "o3")}];`, take, "count++;"]),
    `return count === 0 ? 0.0 : ${result};`,
  ];
  return { source: kernel(["x"], body), outSize: g.batch * g.outHeight * g.outWidth * C };
}

/** dx: each dy element goes to its window's first maximum (row-major window order). */
export function maxPool2dBackwardSpec(g: Pool2DGeometry): KernelSpec {
  const C = g.channels;
  const body = [
    ...unravel("this.thread.x", [g.batch, g.inHeight, g.inWidth, C], "p"),
    "let acc = 0.0;",
    ...forEachCoveringOutput(poolWindow(g), "p1", "p2", [
      "let bestY = -1;",
      "let bestX = -1;",
      "let bestValue = 0.0;",
      ...forEachTap(
        poolWindow(g),
        "oy",
        "ox",
        [
          `const v = x[${pixel(g, "p0", "iy", "ix", "p3")}];`,
          "if (bestY < 0 || v > bestValue) {",
          "  bestY = iy;",
          "  bestX = ix;",
          "  bestValue = v;",
          "}",
        ],
        "w",
      ),
      "if (bestY === p1 && bestX === p2) {",
      `  acc += dy[${outputPixel(g, "p0", "oy", "ox", "p3")}];`,
      "}",
    ]),
    "return acc;",
  ];
  return { source: kernel(["dy", "x"], body), outSize: g.batch * g.inHeight * g.inWidth * C };
}

/** dx: each dy element spread evenly over its window's in-bounds taps. */
export function avgPool2dBackwardSpec(g: Pool2DGeometry): KernelSpec {
  const C = g.channels;
  const body = [
    ...unravel("this.thread.x", [g.batch, g.inHeight, g.inWidth, C], "p"),
    "let acc = 0.0;",
    ...forEachCoveringOutput(poolWindow(g), "p1", "p2", [
      `const y0 = ${linear([["oy", g.strideHeight]], -g.padTop)};`,
      `const x0 = ${linear([["ox", g.strideWidth]], -g.padLeft)};`,
      `const rows = Math.min(y0 + ${g.windowHeight}, ${g.inHeight}) - Math.max(y0, 0);`,
      `const cols = Math.min(x0 + ${g.windowWidth}, ${g.inWidth}) - Math.max(x0, 0);`,
      `acc += dy[${outputPixel(g, "p0", "oy", "ox", "p3")}] / (rows * cols);`,
    ]),
    "return acc;",
  ];
  return { source: kernel(["dy"], body), outSize: g.batch * g.inHeight * g.inWidth * C };
}

/** Offset of element (n, y, x, c) of the input. */
function pixel(g: Pool2DGeometry, n: string, y: string, x: string, c: string): string {
  return linear([
    [n, g.inHeight * g.inWidth * g.channels],
    [y, g.inWidth * g.channels],
    [x, g.channels],
    [c, 1],
  ]);
}

/** Offset of element (n, y, x, c) of the output. */
function outputPixel(g: Pool2DGeometry, n: string, y: string, x: string, c: string): string {
  return linear([
    [n, g.outHeight * g.outWidth * g.channels],
    [y, g.outWidth * g.channels],
    [x, g.channels],
    [c, 1],
  ]);
}
