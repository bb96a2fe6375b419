import { describe, expect, it } from "vitest";
import { JUPYTER_DISPLAY } from "../../runtime/display";
import { lineHeight } from "../../runtime/viz/font";
import { GRID } from "../../runtime/viz/grid";
import { images } from "../../runtime/viz/images";
import { RED } from "../../runtime/viz/raster";
import { constantImage, decodePng } from "./decode";

const { MARGIN, GAP, BORDER, TEXT_SCALE, TITLE_GAP } = GRID;
const TITLE_H = lineHeight(TEXT_SCALE) + TITLE_GAP;

describe("viz.images", () => {
  it("lays N images out in a grid of `columns`, each upscaled by `scale`", () => {
    // Four 2x2 images with pixel values 0, 1/3, 2/3, 1 in two columns at scale 4, no titles.
    const batch = [0, 1, 2, 3].map((k) => constantImage(2, 2, k / 3));
    const png = decodePng(images(batch, { columns: 2, scale: 4 }).bundle());
    expect(png.width).toBe(2 * MARGIN + 2 * 8 + GAP);
    expect(png.height).toBe(2 * MARGIN + 2 * 8 + GAP);
    const origin = (i: number) => [MARGIN + (i % 2) * (8 + GAP), MARGIN + Math.floor(i / 2) * (8 + GAP)];
    const grays = [0, 85, 170, 255];
    grays.forEach((g, i) => {
      const [x, y] = origin(i);
      expect(png.rgb(x, y)).toEqual([g, g, g]);
      expect(png.rgb(x + 7, y + 7)).toEqual([g, g, g]);
    });
    expect(png.rgb(MARGIN + 8, MARGIN)).toEqual([255, 255, 255]); // the gap between tiles is background
  });

  it("upscales with nearest neighbour: a 2x2 checkerboard at 4x is four exact 4x4 blocks", () => {
    const png = decodePng(
      images(
        [
          [
            [0, 1],
            [1, 0],
          ],
        ],
        { scale: 4 },
      ).bundle(),
    );
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        const white = (Math.floor(x / 4) + Math.floor(y / 4)) % 2 === 1;
        expect(png.rgb(MARGIN + x, MARGIN + y)).toEqual(white ? [255, 255, 255] : [0, 0, 0]);
      }
    }
  });

  it("reads 0..255 pixels as 0..255, not stretched to their own range", () => {
    const png = decodePng(images([constantImage(2, 2, 51), constantImage(2, 2, 102)], { scale: 1 }).bundle());
    expect(png.rgb(MARGIN, MARGIN)).toEqual([51, 51, 51]);
    expect(png.rgb(MARGIN + 2 + GAP, MARGIN)).toEqual([102, 102, 102]);
  });

  it("shows a 28x28 digit at 3x by default, as 84x84 pixels under its title", () => {
    const png = decodePng(images([constantImage(28, 28, 1)], { labels: [7] }).bundle());
    expect(png.width).toBe(2 * MARGIN + 84);
    expect(png.height).toBe(2 * MARGIN + TITLE_H + 84);
    expect(png.rgb(MARGIN, MARGIN + TITLE_H)).toEqual([255, 255, 255]);
    expect(png.rgb(MARGIN + 83, MARGIN + TITLE_H + 83)).toEqual([255, 255, 255]);
  });

  it("frames wrong predictions in red and leaves right ones unframed", () => {
    const batch = [constantImage(4, 4, 0), constantImage(4, 4, 0)];
    const output = images(batch, { labels: [3, 5], predictions: [3, 8], scale: 2 });
    const png = decodePng(output.bundle());
    const tileTop = MARGIN + TITLE_H;
    const secondX = MARGIN + 8 + GAP;
    expect(png.rgb(secondX - BORDER, tileTop - BORDER)).toEqual([...RED]);
    expect(png.rgb(secondX + 8, tileTop + 4)).toEqual([...RED]);
    expect(png.rgb(MARGIN - BORDER, tileTop)).toEqual([255, 255, 255]);
    expect(output.bundle()["text/plain"]).toBe("viz.images: 2 images 4x4, 1 of 2 predictions wrong (#1 5\u21928)");
  });

  it("draws the title text above each tile", () => {
    const png = decodePng(images([constantImage(28, 28, 0)], { labels: [1] }).bundle());
    let ink = 0;
    for (let y = MARGIN; y < MARGIN + lineHeight(TEXT_SCALE); y++) {
      for (let x = MARGIN; x < MARGIN + 84; x++) if (png.rgb(x, y)[0] < 128) ink++;
    }
    // A "1" at 14 px: its stem, flag and foot, about 1.5 px wide and 10 px tall, in the title band above the tile.
    expect(ink).toBeGreaterThan(15);
    expect(ink).toBeLessThan(60);
  });

  it("takes one-hot labels and probability predictions (argmax)", () => {
    const output = images([constantImage(2, 2, 0)], {
      labels: [[0, 0, 1]],
      predictions: [[0.1, 0.7, 0.2]],
      classNames: ["cat", "dog", "eel"],
    });
    expect(String(output)).toContain("eel\u2192dog");
  });

  it("accepts tensors, { data, shape } and RGB images", () => {
    const tensor = { shape: [1, 2, 2, 3], dataSync: () => new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]) };
    const png = decodePng(images(tensor, { scale: 1 }).bundle());
    expect(png.rgb(MARGIN, MARGIN)).toEqual([255, 0, 0]);
    expect(png.rgb(MARGIN + 1, MARGIN + 1)).toEqual([255, 255, 255]);
    const shaped = images({ data: new Uint8Array(8), shape: [2, 2, 2] });
    expect(String(shaped)).toBe("viz.images: 2 images 2x2");
  });

  it("is displayable: the Jupyter display protocol returns the same bundle", () => {
    const output = images([constantImage(2, 2, 0)]);
    expect(output[JUPYTER_DISPLAY]()).toEqual(output.bundle());
  });

  it("names the shape and what to do when the input is not a batch of images", () => {
    expect(() => images([1, 2, 3])).toThrow("viz.images: the images must be rank 3 or rank 4, got shape [3]");
    expect(() => images([constantImage(2, 2, 0)], { labels: [1, 2] })).toThrow("labels has 2 entries for 1 images");
    expect(() => images([[[1, 2], [3]]])).toThrow("ragged nested array");
    expect(() => images({ data: [], shape: [0, 28, 28] })).toThrow(
      "viz.images: the batch is empty (shape [0, 28, 28])",
    );
  });
});
