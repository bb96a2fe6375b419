/**
 * 2-D convolution (NHWC, filters [fh, fw, inC, outC]) and both of its
 * gradients as direct loops, one output element per thread. Each pass is
 * written in gather form (a thread sums everything that flows into its own
 * element) because gpu.js kernels cannot scatter: a thread writes only its
 * own output. The backward passes therefore walk the forward geometry in
 * reverse: the input gradient finds, for each filter tap, the output pixel
 * that read this input pixel (if the stride lets one), and the filter
 * gradient sums over every output pixel of every image.
 */
import type { Conv2DGeometry } from "../backend";
import { kernel, unravel, type KernelSpec } from "./source";
import { convWindow, forEachCoveringOutput, forEachTap } from "./window";

/** y [batch, outH, outW, outC] from x [batch, inH, inW, inC] and the filter. */
export function conv2dSpec(g: Conv2DGeometry): KernelSpec {
  const C = g.inChannels;
  const O = g.outChannels;
  const body = [
    ...unravel("this.thread.x", [g.batch, g.outHeight, g.outWidth, O], "o"),
    "let acc = 0.0;",
    ...forEachTap(convWindow(g), "o1", "o2", [
      `const xBase = ((o0 * ${g.inHeight} + iy) * ${g.inWidth} + ix) * ${C};`,
      `const fBase = (fy * ${g.filterWidth} + fx) * ${C * O} + o3;`,
      `for (let c = 0; c < ${C}; c++) {`,
      `  acc += x[xBase + c] * filter[fBase + c * ${O}];`,
      "}",
    ]),
    "return acc;",
  ];
  return { source: kernel(["x", "filter"], body), outSize: g.batch * g.outHeight * g.outWidth * O };
}

/** dx [batch, inH, inW, inC] from dy [batch, outH, outW, outC] and the filter. */
export function conv2dBackpropInputSpec(g: Conv2DGeometry): KernelSpec {
  const C = g.inChannels;
  const O = g.outChannels;
  const body = [
    ...unravel("this.thread.x", [g.batch, g.inHeight, g.inWidth, C], "o"),
    "let acc = 0.0;",
    ...forEachCoveringOutput(convWindow(g), "o1", "o2", [
      `const yBase = ((o0 * ${g.outHeight} + oy) * ${g.outWidth} + ox) * ${O};`,
      `const fBase = ((fy * ${g.filterWidth} + fx) * ${C} + o3) * ${O};`,
      `for (let k = 0; k < ${O}; k++) {`,
      "  acc += dy[yBase + k] * filter[fBase + k];",
      "}",
    ]),
    "return acc;",
  ];
  return { source: kernel(["dy", "filter"], body), outSize: g.batch * g.inHeight * g.inWidth * C };
}
/** dFilter [fh, fw, inC, outC] from x and dy: a sum over every image and output pixel. */
export function conv2dBackpropFilterSpec(g: Conv2DGeometry): KernelSpec {
  const C = g.inChannels;
  const O = g.outChannels;
  const body = [
    ...unravel("this.thread.x", [g.filterHeight, g.filterWidth, C, O], "o"),
    "let acc = 0.0;",
    `for (let n = 0; n < ${g.batch}; n++) {`,
    `  for (let oy = 0; oy < ${g.outHeight}; oy++) {`,
    `    const iy = oy * ${g.strideHeight} - ${g.padTop} + o0 * ${g.dilationHeight};`,
    `    if (iy >= 0 && iy < ${g.inHeight}) {`,
    `      const xRow = (n * ${g.inHeight} + iy) * ${g.inWidth};`,
    `      const yRow = (n * ${g.outHeight} + oy) * ${g.outWidth};`,
    `      for (let ox = 0; ox < ${g.outWidth}; ox++) {`,
    `        const ix = ox * ${g.strideWidth} - ${g.padLeft} + o1 * ${g.dilationWidth};`,
    `        if (ix >= 0 && ix < ${g.inWidth}) {`,
    `          acc += x[(xRow + ix) * ${C} + o2] * dy[(yRow + ox) * ${O} + o3];`,
    "        }",
    "      }",
    "    }",
    "  }",
    "}",
    "return acc;",
  ];
  return {
    source: kernel(["x", "dy"], body),
    outSize: g.filterHeight * g.filterWidth * C * O,
  };
}
