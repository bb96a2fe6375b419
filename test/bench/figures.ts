/**
 * Bench section "figures": what drawing figure text with DejaVu Sans through
 * resvg costs a PNG figure (runtime/viz/font.ts). For three figures of the
 * course it times the whole viz call with its PNG encoded: without any text,
 * with text rendered afresh (the run cache cleared), and with text already
 * cached; and, for the digit grid, the alternative design that composes the
 * whole figure as one SVG (tiles as <image> PNGs, text as <text>) and
 * rasterises it with resvg. Figures are medians; nothing here asserts.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { loadMnist } from "../../runtime/data/mnist";
import { clearTextCache, fontSize, lineHeight, textWidth } from "../../runtime/viz/font";
import { filters } from "../../runtime/viz/filters";
import { GRID } from "../../runtime/viz/grid";
import { images } from "../../runtime/viz/images";
import type { VizOutput } from "../../runtime/viz/output";
import { pictureRaster } from "../../runtime/viz/picture";
import { encodePng } from "../../runtime/viz/png";
import { Raster } from "../../runtime/viz/raster";
import { FONT_FAMILY, renderSvg } from "../../runtime/viz/resvg";

const REPEATS = 7;

const RUNS: [string, string, number][] = [
  ['a tile title "12" at 14 px', "12", GRID.TEXT_SCALE],
  ['a header "conv2d_1 (26x26x32)" at 16.8 px', "conv2d_1 (26x26x32)", GRID.HEADER_SCALE],
];

export function runFiguresBench(): string {
  const lines = [`load average ${readFileSync("/proc/loadavg", "utf8").trim()}`];
  let started = performance.now();
  renderSvg(`<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>`);
  lines.push(
    `first use in a process (read and compile resvg's .wasm, read the font): ${ms(performance.now() - started)}`,
  );
  const [, [x, y]] = loadMnist({ train: 1, test: 100 });
  const labels = Array.from(y.dataSync());
  const names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
  const kernel = { shape: [3, 3, 1, 32], dataSync: () => Float32Array.from({ length: 288 }, (_, i) => Math.sin(i)) };
  const cases: [string, () => VizOutput, () => VizOutput][] = [
    ["100 MNIST digits, titled", () => images(x, { labels, predictions: labels }), () => images(x)],
    [
      "16 digits, class-name titles",
      () => images(x.slice([0, 0, 0], [16, 28, 28]), { labels: labels.slice(0, 16), classNames: names }),
      () => images(x.slice([0, 0, 0], [16, 28, 28])),
    ],
    ["32 conv filters + header + colorbar", () => filters(kernel), () => filters(kernel)],
  ];
  lines.push("", "one text run rendered afresh (ms, median of " + REPEATS + "):");
  for (const [label, text, scale] of RUNS) {
    lines.push(`  ${label}: ${ms(median(() => textWidth(text, scale), clearTextCache))}`);
  }
  started = performance.now();
  lines.push("", "figure | no text | text rendered afresh | text cached (ms, median of " + REPEATS + ")");
  for (const [label, withText, withoutText] of cases) {
    const plain = label.startsWith("32") ? undefined : median(() => withoutText().bundle());
    const fresh = median(() => withText().bundle(), clearTextCache);
    const cached = median(() => withText().bundle());
    lines.push(`${label} | ${plain === undefined ? "n/a" : ms(plain)} | ${ms(fresh)} | ${ms(cached)}`);
  }
  const svg = digitGridSvg(x.dataSync(), labels);
  const whole = median(() => encodePng(rasterOf(renderSvg(svg))));
  lines.push("", `alternative, the 100-digit grid as one SVG rasterised by resvg: ${ms(whole)}`);
  lines.push(`(section ${ms(performance.now() - started)})`);
  return lines.join("\n");
}

function median(f: () => unknown, before?: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    before?.();
    const t = performance.now();
    f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[REPEATS >> 1];
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

/** The 100-digit grid's layout (10 columns, 84 px tiles, 14 px titles) written as SVG. */
function digitGridSvg(data: ArrayLike<number>, labels: readonly number[]): string {
  const { MARGIN, GAP, TEXT_SCALE, TITLE_GAP } = GRID;
  const titleH = lineHeight(TEXT_SCALE) + TITLE_GAP;
  const cell = (i: number) => [MARGIN + (i % 10) * (84 + GAP), MARGIN + Math.floor(i / 10) * (titleH + 84 + GAP)];
  const parts = labels.map((label, i) => {
    const png = encodePng(pictureRaster(data, i * 784, [28, 28, 1], [0, 255])).toString("base64");
    const [cx, cy] = cell(i);
    return (
      `<text x="${cx}" y="${cy + 13}" font-size="${fontSize(TEXT_SCALE)}" fill="#148232">${label}</text>` +
      `<image x="${cx}" y="${cy + titleH}" width="84" height="84" image-rendering="optimizeSpeed" href="data:image/png;base64,${png}"/>`
    );
  });
  const [w, h] = [2 * MARGIN + 10 * 84 + 9 * GAP, 2 * MARGIN + 10 * (titleH + 84) + 9 * GAP];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="${FONT_FAMILY}">` +
    `<rect width="${w}" height="${h}" fill="white"/>${parts.join("")}</svg>`
  );
}

function rasterOf({ width, height, pixels }: { width: number; height: number; pixels: Uint8Array }): Raster {
  const out = new Raster(width, height);
  out.data.set(pixels);
  return out;
}
