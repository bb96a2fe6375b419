import { describe, expect, it } from "vitest";
import { colorAt } from "../../runtime/viz/colormap";
import { filters } from "../../runtime/viz/filters";
import { lineHeight, textWidth } from "../../runtime/viz/font";
import { GRID } from "../../runtime/viz/grid";
import { decodePng, fakeTensor, findColorbar } from "./decode";

const { MARGIN, GAP, TEXT_SCALE, HEADER_SCALE, TITLE_GAP } = GRID;
const TEXT_H = lineHeight(TEXT_SCALE);
const TOP = MARGIN + lineHeight(HEADER_SCALE) + GAP + TEXT_H + TITLE_GAP;

/** A [3, 3, inC, outC] kernel whose value at (y, x, i, o) is f(y, x, i, o). */
function kernel(inC: number, outC: number, f: (y: number, x: number, i: number, o: number) => number) {
  const data: number[] = [];
  for (let y = 0; y < 3; y++)
    for (let x = 0; x < 3; x++) for (let i = 0; i < inC; i++) for (let o = 0; o < outC; o++) data.push(f(y, x, i, o));
  return fakeTensor([3, 3, inC, outC], data);
}

describe("viz.filters", () => {
  it("draws a first-layer kernel as one 3x3 tile per filter, blue below zero, red above, white at zero", () => {
    const layer = {
      name: "conv2d",
      className: "Conv2D",
      getWeights: () => [kernel(1, 2, (y, _x, _i, o) => (o === 0 ? y - 1 : 0.5))],
    };
    const output = filters(layer);
    expect(String(output)).toBe("viz.filters: conv2d: 2 filters 3x3x1, weights -1 to 1");
    const png = decodePng(output.bundle());
    // 3x3 kernels are scaled 16x to 48 pixels.
    expect(png.rgb(MARGIN, TOP)).toEqual([...colorAt("diverging", 0)]);
    expect(png.rgb(MARGIN + 47, TOP + 16)).toEqual([...colorAt("diverging", 0.5)]);
    expect(png.rgb(MARGIN, TOP + 47)).toEqual([...colorAt("diverging", 1)]);
    expect(png.rgb(MARGIN + 48 + GAP, TOP)).toEqual([...colorAt("diverging", 0.75)]);
  });

  it("takes a callable layer, as keras layers are, titled with the layer's name", () => {
    const layer = Object.assign(() => undefined, { className: "Conv2D", getWeights: () => [kernel(1, 2, () => 1)] });
    Object.defineProperty(layer, "name", { value: "conv1" });
    expect(String(filters(layer))).toBe("viz.filters: conv1: 2 filters 3x3x1, weights 1 to 1");
  });

  it("puts a signed colorbar beside the filters", () => {
    const png = decodePng(filters(kernel(1, 4, (y) => y - 1)).bundle());
    const barH = Math.max(64, png.height - 2 * MARGIN);
    expect(findColorbar(png, MARGIN, barH, [colorAt("diverging", 1), colorAt("diverging", 0)])).toBeGreaterThan(4 * 48);
  });

  it("shows a deeper layer as one row per filter and one column per input channel", () => {
    const output = filters(kernel(4, 2, (_y, _x, i, o) => (o === 1 && i === 3 ? 1 : -1)));
    const png = decodePng(output.bundle());
    const labelW = textWidth("out0", TEXT_SCALE) + GAP;
    const tile = (o: number, i: number) =>
      png.rgb(MARGIN + labelW + i * (48 + GAP) + 10, TOP + o * (TEXT_H + TITLE_GAP + 48 + GAP) + 10);
    expect(tile(0, 3)).toEqual([...colorAt("diverging", 0)]);
    expect(tile(1, 2)).toEqual([...colorAt("diverging", 0)]);
    expect(tile(1, 3)).toEqual([...colorAt("diverging", 1)]);
  });

  it("draws a 3-channel first layer as RGB pictures", () => {
    const png = decodePng(filters(kernel(3, 1, (_y, _x, i) => (i === 1 ? 1 : 0))).bundle());
    expect(png.rgb(MARGIN, TOP)).toEqual([0, 255, 0]);
  });

  it("explains what is wrong with a layer that has no kernel", () => {
    const dense = { name: "dense", getWeights: () => [fakeTensor([4, 2], new Float32Array(8))] };
    expect(() => filters(dense)).toThrow(
      'viz.filters: layer "dense" has [4, 2]; filters need a conv kernel [kh, kw, in, out]',
    );
  });
});
