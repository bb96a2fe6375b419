import { colorAt, type ColormapName } from "./colormap";
import { drawText, lineHeight, textWidth } from "./font";
import { formatNumber } from "./format";
import { GRID } from "./grid";
import { BLACK, Raster } from "./raster";

/** Colorbar geometry in output pixels, exported so tests can find the bar. */
const COLORBAR = { WIDTH: 14, MIN_HEIGHT: 64 } as const;

/**
 * `picture` with a vertical colorbar on its right: the colormap from `high`
 * (top) to `low` (bottom), labelled with both ends (and 0 when the range
 * spans it), so a reader can tell what a colour means.
 */
export function withColorbar(picture: Raster, colormap: ColormapName, [low, high]: readonly [number, number]): Raster {
  const { MARGIN, GAP, TEXT_SCALE } = GRID;
  const labels = [formatNumber(high), formatNumber(low), ...(low < 0 && high > 0 ? ["0"] : [])];
  const labelW = Math.max(...labels.map((l) => textWidth(l, TEXT_SCALE)));
  const barH = Math.max(COLORBAR.MIN_HEIGHT, picture.height - 2 * MARGIN);
  const out = new Raster(
    picture.width + COLORBAR.WIDTH + GAP + labelW + MARGIN,
    Math.max(picture.height, barH + 2 * MARGIN),
  );
  out.blit(picture, 0, 0);
  const x = picture.width;
  const top = MARGIN;
  for (let y = 0; y < barH; y++) {
    out.fill(x, top + y, COLORBAR.WIDTH, 1, colorAt(colormap, 1 - y / Math.max(1, barH - 1)));
  }
  const textX = x + COLORBAR.WIDTH + GAP;
  const textH = lineHeight(TEXT_SCALE);
  drawText(out, labels[0], textX, top, BLACK, TEXT_SCALE);
  drawText(out, labels[1], textX, top + barH - textH, BLACK, TEXT_SCALE);
  if (labels[2]) {
    const zeroY = top + Math.round((high / (high - low)) * (barH - 1));
    drawText(
      out,
      "0",
      textX,
      Math.min(top + barH - 2 * textH, Math.max(top + textH, zeroY - (textH >> 1))),
      BLACK,
      TEXT_SCALE,
    );
  }
  return out;
}
