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
import { dotProduct, kernel, linear, unravel, type KernelSpec } from "./source";
import { alwaysInside, convWindow, forEachCoveringOutput, forEachTap } from "./window";

/** y [batch, outH, outW, outC] from x [batch, inH, inW, inC] and the filter. */
export function conv2dSpec(g: Conv2DGeometry): KernelSpec {
  const C = g.inChannels;
  const O = g.outChannels;
  const body = [
    ...unravel("this.thread.x", [g.batch, g.outHeight, g.outWidth, O], "o"),
    "let acc = 0.0;",
    ...forEachTap(convWindow(g), "o1", "o2", [
      `const xBase = ${linear([
        ["o0", g.inHeight * g.inWidth * C],
        ["iy", g.inWidth * C],
        ["ix", C],
      ])};`,
      `const fBase = ${linear([
        ["fy", g.filterWidth * C * O],
        ["fx", C * O],
        ["o3", 1],
      ])};`,
      ...dotProduct(
        "acc",
        "c",
        C,
        (i) =>
          `x[${linear(
            [
              ["xBase", 1],
              ["c", 1],
            ],
            i,
          )}] * filter[${linear(
            [
              ["fBase", 1],
              ["c", O],
            ],
            i * O,
          )}]`,
      ),
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
      `const yBase = ${linear([
        ["o0", g.outHeight * g.outWidth * O],
        ["oy", g.outWidth * O],
        ["ox", O],
      ])};`,
      `const fBase = ${linear([
        ["fy", g.filterWidth * C * O],
        ["fx", C * O],
        ["o3", O],
      ])};`,
      ...dotProduct(
        "acc",
        "k",
        O,
        (i) =>
          `dy[${linear(
            [
              ["yBase", 1],
              ["k", 1],
            ],
            i,
          )}] * filter[${linear(
            [
              ["fBase", 1],
              ["k", 1],
            ],
            i,
          )}]`,
      ),
    ]),
    "return acc;",
  ];
  return { source: kernel(["dy", "filter"], body), outSize: g.batch * g.inHeight * g.inWidth * C };
}
/** dFilter [fh, fw, inC, outC] from x and dy: a sum over every image and output pixel. */
export function conv2dBackpropFilterSpec(g: Conv2DGeometry): KernelSpec {
  const C = g.inChannels;
  const O = g.outChannels;
  const [, insideX] = alwaysInside(convWindow(g));
  // Thread (o0, o1, o2, o3) is filter tap (fy, fx), input channel o2, output channel o3.
  const xStart = linear(
    [
      ["xRow", 1],
      ["o1", g.dilationWidth * C],
    ],
    -g.padLeft * C,
  );
  const perPixel = (i: number): string =>
    `x[${linear(
      [
        ["xStart", 1],
        ["ox", g.strideWidth * C],
      ],
      i * g.strideWidth * C,
    )}] * dy[${linear(
      [
        ["yRow", 1],
        ["ox", O],
      ],
      i * O,
    )}]`;
  const row = insideX
    ? [`const xStart = ${xStart};`, ...dotProduct("acc", "ox", g.outWidth, perPixel)]
    : [
        `for (let ox = 0; ox < ${g.outWidth}; ox++) {`,
        `  const ix = ${linear(
          [
            ["ox", g.strideWidth],
            ["o1", g.dilationWidth],
          ],
          -g.padLeft,
        )};`,
        `  if (ix >= 0 && ix < ${g.inWidth}) {`,
        `    acc += x[${linear([
          ["xRow", 1],
          ["ix", C],
        ])}] * dy[${linear([
          ["yRow", 1],
          ["ox", O],
        ])}];`,
        "  }",
        "}",
      ];
  const body = [
    ...unravel("this.thread.x", [g.filterHeight, g.filterWidth, C, O], "o"),
    "let acc = 0.0;",
    `for (let n = 0; n < ${g.batch}; n++) {`,
    `  for (let oy = 0; oy < ${g.outHeight}; oy++) {`,
    `    const iy = ${linear(
      [
        ["oy", g.strideHeight],
        ["o0", g.dilationHeight],
      ],
      -g.padTop,
    )};`,
    // Kept even when always true: measured faster on gpu.js's webasm and cpu targets than a bare block.
    `    if (iy >= 0 && iy < ${g.inHeight}) {`,
    `      const xRow = ${linear([
      ["n", g.inHeight * g.inWidth * C],
      ["iy", g.inWidth * C],
      ["o2", 1],
    ])};`,
    `      const yRow = ${linear([
      ["n", g.outHeight * g.outWidth * O],
      ["oy", g.outWidth * O],
      ["o3", 1],
    ])};`,
    ...row.map((line) => `      ${line}`),
    "    }",
    "  }",
    "}",
    "return acc;",
  ];
  return { source: kernel(["x", "dy"], body), outSize: g.filterHeight * g.filterWidth * C * O };
}
