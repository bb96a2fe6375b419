import type { RGB } from "./colormap";
import type { Raster } from "./raster";
import { FONT_FAMILY, renderSvg } from "./resvg";

/**
 * Figure text: titles and labels drawn into the PNG in DejaVu Sans,
 * anti-aliased and proportional, so they travel inside the picture and
 * render wherever a PNG does (nbconvert HTML, GitHub, VS Code, untrusted
 * notebooks). Each run of text is rasterised once by resvg into a coverage
 * mask (cached by text and size) and blended onto the raster in the
 * caller's colour; the pictures around it stay exact pixels.
 *
 * `scale` sets the size: the font is 7 x `scale` px, so the viz modules'
 * scale 2 gives 14 px, matplotlib's default 10 pt at 100 dpi (13.9 px).
 */

const PX_PER_SCALE = 7;
/** DejaVu Sans's ascender and descender (hhea table) over its 2048 units per em. */
const ASCENT = 1901 / 2048;
const DESCENT = 483 / 2048;
const ELLIPSIS = "\u2026";

/** Font size in pixels for `scale`. */
export function fontSize(scale = 1): number {
  return PX_PER_SCALE * scale;
}

/** Width in pixels of `text` drawn at `scale` (to the right edge of its last glyph's ink). */
export function textWidth(text: string, scale = 1): number {
  return textMask(text, fontSize(scale)).width;
}

/** Height in pixels of one line at `scale`: the font's ascent plus descent, so every glyph fits. */
export function lineHeight(scale = 1): number {
  return Math.ceil(fontSize(scale) * (ASCENT + DESCENT));
}

/** Draws `text` with the top-left corner of its line box at (x, y), clipped to the raster. */
export function drawText(target: Raster, text: string, x: number, y: number, color: RGB, scale = 1): void {
  const mask = textMask(text, fontSize(scale));
  for (let r = 0; r < mask.height; r++) {
    for (let c = 0; c < mask.width; c++) {
      const a = mask.alpha[r * mask.width + c];
      if (a) target.blend(x + c, y + r, color, a / 255);
    }
  }
}

/** Shortens `text` with a trailing ellipsis so it fits in `width` pixels at `scale`. */
export function fitText(text: string, width: number, scale = 1): string {
  if (textWidth(text, scale) <= width) return text;
  const chars = [...text];
  // The longest prefix that fits with the ellipsis: widths grow with the prefix, so bisect.
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (textWidth(chars.slice(0, mid).join("") + ELLIPSIS, scale) <= width) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join("") + ELLIPSIS;
}

/** Coverage (0..255) of one line of text, `width` x `height`, cropped on the right to the ink. */
interface Mask {
  readonly width: number;
  readonly height: number;
  readonly alpha: Uint8Array;
}

const masks = new Map<string, Mask>();
const MAX_MASKS = 4096;

/** Forgets every rendered run, so the next draw of each text renders it again (for benchmarks). */
export function clearTextCache(): void {
  masks.clear();
}

function textMask(text: string, size: number): Mask {
  const key = `${size}\u0000${text}`;
  let mask = masks.get(key);
  if (!mask) {
    if (masks.size >= MAX_MASKS) masks.clear();
    mask = renderMask(text, size);
    masks.set(key, mask);
  }
  return mask;
}

function renderMask(text: string, size: number): Mask {
  const height = Math.ceil(size * (ASCENT + DESCENT));
  if (text.length === 0) return { width: 0, height, alpha: new Uint8Array(0) };
  // Wide enough for any glyph DejaVu Sans has at 1.2 em; doubled if the ink reaches the edge.
  let canvas = Math.ceil(size * (1.2 * [...text].length + 1));
  for (;;) {
    const { width, pixels } = renderSvg(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${canvas}" height="${height}">` +
        `<text x="0" y="${Math.round(size * ASCENT)}" font-family="${FONT_FAMILY}" font-size="${size}"` +
        ` xml:space="preserve">${escapeXml(text)}</text></svg>`,
    );
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4)
      if (pixels[i] && ((i >> 2) % width) + 1 > inked) inked = ((i >> 2) % width) + 1;
    if (inked >= width) {
      canvas *= 2;
      continue;
    }
    const alpha = new Uint8Array(inked * height);
    for (let r = 0; r < height; r++)
      for (let c = 0; c < inked; c++) alpha[r * inked + c] = pixels[(r * width + c) * 4 + 3];
    return { width: inked, height, alpha };
  }
}

/** `text` as SVG character data; XML 1.0 cannot carry control characters, so each becomes a space. */
function escapeXml(text: string): string {
  return [...text].map((ch) => (ch < " " ? " " : (XML_ESCAPES[ch] ?? ch))).join("");
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
