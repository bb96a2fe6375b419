import { describe, expect, it } from "vitest";
import { drawText, fitText, fontSize, lineHeight, textWidth } from "../../runtime/viz/font";
import { filters } from "../../runtime/viz/filters";
import { GRID } from "../../runtime/viz/grid";
import { images } from "../../runtime/viz/images";
import { BLACK, GREEN, Raster } from "../../runtime/viz/raster";
import { constantImage, decodePng, fakeTensor, type Decoded } from "./decode";

const { MARGIN, TEXT_SCALE, HEADER_SCALE } = GRID;

/** Rows of the box (x0, y0, x1, y1) holding a pixel darker than `below` in red: [first, last], or [] when none. */
function inkRows(png: Decoded | Raster, [x0, y0, x1, y1]: readonly number[], below = 160): number[] {
  const rows: number[] = [];
  const red = (x: number, y: number) => ("rgb" in png ? png.rgb(x, y) : png.get(x, y))[0];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      if (red(x, y) < below) {
        rows.push(y);
        break;
      }
    }
  }
  return rows.length ? [rows[0], rows[rows.length - 1]] : [];
}

describe("figure text (DejaVu Sans through resvg)", () => {
  it("is anti-aliased: glyph edges have intermediate grey levels, not only black and white", () => {
    const raster = new Raster(120, 30);
    drawText(raster, "Anti-aliased", 2, 2, BLACK, TEXT_SCALE);
    const levels = new Map<number, number>();
    for (let y = 0; y < raster.height; y++) {
      for (let x = 0; x < raster.width; x++) {
        const g = raster.get(x, y)[0];
        levels.set(g, (levels.get(g) ?? 0) + 1);
      }
    }
    const partial = [...levels].filter(([g]) => g > 30 && g < 225).reduce((s, [, n]) => s + n, 0);
    expect(partial).toBeGreaterThan(40);
    expect(levels.size).toBeGreaterThan(20);
    expect(levels.get(0) ?? 0).toBeGreaterThan(0); // stems are fully covered
  });

  it("is proportional: iiii is less than half as wide as MMMM", () => {
    expect(textWidth("iiii", TEXT_SCALE)).toBeGreaterThan(0);
    expect(textWidth("iiii", TEXT_SCALE) * 2).toBeLessThan(textWidth("MMMM", TEXT_SCALE));
    expect(textWidth("MMMM", TEXT_SCALE)).toBeGreaterThan(textWidth("MMM", TEXT_SCALE));
  });

  it("draws labels at 14 px and headers at 16.8 px, as matplotlib's 10 pt and 12 pt at 100 dpi", () => {
    expect(fontSize(TEXT_SCALE)).toBe(14);
    expect(fontSize(HEADER_SCALE)).toBeCloseTo(16.8, 6);
    // The line box holds ascenders and descenders: "Ég|" stays inside it.
    const raster = new Raster(60, lineHeight(TEXT_SCALE) + 10);
    drawText(raster, "Ég|", 5, 5, BLACK, TEXT_SCALE);
    const [top, bottom] = inkRows(raster, [0, 0, 60, raster.height]);
    expect(top).toBeGreaterThanOrEqual(5);
    expect(bottom).toBeLessThan(5 + lineHeight(TEXT_SCALE));
    expect(bottom - top + 1).toBeGreaterThanOrEqual(15);
  });

  it("gives a figure's header and tile titles readable heights at 100% zoom", () => {
    const png = decodePng(filters(fakeTensor([3, 3, 1, 2], new Float32Array(18).fill(1))).bundle());
    // The header "kernel: 2 filters 3x3x1": from the top of "k" and "l" to the baseline, at least 12 px.
    const header = inkRows(png, [MARGIN, MARGIN, png.width - 40, MARGIN + lineHeight(HEADER_SCALE)]);
    expect(header[1] - header[0] + 1).toBeGreaterThanOrEqual(12);
    // The tile title "0": a digit at least 10 px tall (matplotlib's 10 pt digits are 10 px).
    const titleTop = MARGIN + lineHeight(HEADER_SCALE) + GRID.GAP;
    const title = inkRows(png, [MARGIN, titleTop, MARGIN + 20, titleTop + lineHeight(TEXT_SCALE)]);
    expect(title[1] - title[0] + 1).toBeGreaterThanOrEqual(10);
  });

  it("blends text in the caller's colour: a green title is green, with lighter greens at its edges", () => {
    const png = decodePng(images([constantImage(28, 28, 1)], { labels: [4], predictions: [4] }).bundle());
    const greens = new Set<string>();
    for (let y = MARGIN; y < MARGIN + lineHeight(TEXT_SCALE); y++) {
      for (let x = MARGIN; x < MARGIN + 30; x++) {
        const [r, g, b] = png.rgb(x, y);
        if (r !== 255) {
          expect(g).toBeGreaterThanOrEqual(r);
          expect(g).toBeGreaterThanOrEqual(b);
          greens.add(`${r},${g},${b}`);
        }
      }
    }
    expect(greens.has(GREEN.join(","))).toBe(true);
    expect(greens.size).toBeGreaterThan(5);
  });

  it("shortens a title that does not fit with an ellipsis, within the width", () => {
    const long = "a much longer title than the tile";
    const fitted = fitText(long, 84, TEXT_SCALE);
    expect(fitted.endsWith("\u2026")).toBe(true);
    expect(long.startsWith(fitted.slice(0, -1))).toBe(true);
    expect(textWidth(fitted, TEXT_SCALE)).toBeLessThanOrEqual(84);
    expect(textWidth(fitted.slice(0, -1) + long[fitted.length - 1] + "\u2026", TEXT_SCALE)).toBeGreaterThan(84);
    expect(fitText("short", 84, TEXT_SCALE)).toBe("short");
  });

  it("draws markup characters as text and clips at the raster's edges", () => {
    expect(textWidth("<a & b>", TEXT_SCALE)).toBeGreaterThan(textWidth("a  b", TEXT_SCALE));
    expect(textWidth("", TEXT_SCALE)).toBe(0);
    expect(textWidth("tab\there", TEXT_SCALE)).toBeGreaterThan(textWidth("tabhere", TEXT_SCALE));
    const raster = new Raster(10, 10);
    expect(() => drawText(raster, "clipped", -4, -6, BLACK, TEXT_SCALE)).not.toThrow();
    expect(inkRows(raster, [0, 0, 10, 10]).length).toBe(2);
  });
});
