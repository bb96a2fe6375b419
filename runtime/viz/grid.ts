import type { RGB } from "./colormap";
import { drawText, fitText, lineHeight, textWidth } from "./font";
import { BLACK, Raster } from "./raster";

/** One picture in a grid, drawn at the grid's scale. */
export interface Tile {
  readonly pixels: Raster;
  readonly title?: string;
  readonly titleColor?: RGB;
  /** A frame around the picture, e.g. red for a wrong prediction. */
  readonly border?: RGB;
}

export interface GridOptions {
  readonly columns: number;
  /** Each source pixel becomes a `scale` x `scale` block (nearest neighbour, so pixels stay crisp). */
  readonly scale: number;
  /** A line of text above the grid, e.g. a layer's name and shape. */
  readonly header?: string;
  /** A label left of each grid row. */
  readonly rowLabels?: readonly string[];
}

/**
 * Layout, in output pixels: MARGIN around everything, GAP between tiles
 * (wide enough for two BORDER frames), titles and labels at TEXT_SCALE
 * (14 px, matplotlib's default 10 pt at 100 dpi) and the header at
 * HEADER_SCALE (16.8 px, matplotlib's 12 pt title); see font.ts.
 */
export const GRID = { MARGIN: 6, GAP: 6, BORDER: 2, TEXT_SCALE: 2, HEADER_SCALE: 2.4, TITLE_GAP: 3 } as const;

/** Draws tiles left to right, top to bottom, `columns` a row, on a white background. */
export function renderGrid(tiles: readonly Tile[], options: GridOptions): Raster {
  const { MARGIN, GAP, BORDER, TEXT_SCALE, HEADER_SCALE, TITLE_GAP } = GRID;
  const { columns, scale, header, rowLabels } = options;
  const cols = Math.max(1, Math.min(columns, tiles.length));
  const gridRows = Math.ceil(tiles.length / cols);
  const tileW = Math.max(1, ...tiles.map((t) => t.pixels.width)) * scale;
  const tileH = Math.max(1, ...tiles.map((t) => t.pixels.height)) * scale;
  const titleH = tiles.some((t) => t.title) ? lineHeight(TEXT_SCALE) + TITLE_GAP : 0;
  const headerH = header ? lineHeight(HEADER_SCALE) + GAP : 0;
  const labelW = rowLabels?.length ? Math.max(...rowLabels.map((l) => textWidth(l, TEXT_SCALE))) + GAP : 0;
  const headerW = header ? textWidth(header, HEADER_SCALE) : 0;
  const gridW = labelW + cols * tileW + (cols - 1) * GAP;

  const out = new Raster(
    2 * MARGIN + Math.max(gridW, headerW),
    2 * MARGIN + headerH + gridRows * (titleH + tileH) + (gridRows - 1) * GAP,
  );
  if (header) drawText(out, header, MARGIN, MARGIN, BLACK, HEADER_SCALE);
  tiles.forEach((tile, i) => {
    const row = Math.floor(i / cols);
    const x = MARGIN + labelW + (i % cols) * (tileW + GAP);
    const top = MARGIN + headerH + row * (titleH + tileH + GAP);
    if (tile.title) {
      drawText(out, fitText(tile.title, tileW, TEXT_SCALE), x, top, tile.titleColor ?? BLACK, TEXT_SCALE);
    }
    out.blit(tile.pixels, x, top + titleH, scale);
    if (tile.border) {
      out.frame(x, top + titleH, tile.pixels.width * scale, tile.pixels.height * scale, BORDER, tile.border);
    }
  });
  rowLabels?.forEach((label, row) => {
    const top = MARGIN + headerH + row * (titleH + tileH + GAP) + titleH;
    drawText(out, label, MARGIN, top + Math.max(0, (tileH - lineHeight(TEXT_SCALE)) >> 1), BLACK, TEXT_SCALE);
  });
  return out;
}

/** An upscale factor that makes an `h` x `w` picture about `target` pixels on its long side. */
export function autoScale(h: number, w: number, target = 56): number {
  return Math.max(1, Math.round(target / Math.max(1, h, w)));
}

/** Pictures one under another, left-aligned. */
export function stackVertical(parts: readonly Raster[]): Raster {
  const out = new Raster(
    Math.max(...parts.map((p) => p.width)),
    parts.reduce((s, p) => s + p.height, 0),
  );
  let y = 0;
  for (const part of parts) {
    out.blit(part, 0, y);
    y += part.height;
  }
  return out;
}
