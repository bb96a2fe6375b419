import { colorAt, type ColormapName, type RGB } from "./colormap";

const WHITE: RGB = [255, 255, 255];
export const BLACK: RGB = [0, 0, 0];
export const RED: RGB = [220, 30, 30];
export const GREEN: RGB = [20, 130, 50];

/** An opaque RGB picture in memory, drawn on by the viz renderers and encoded to PNG. */
export class Raster {
  /** RGBA, row-major; alpha is always 255. */
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: RGB = WHITE,
  ) {
    this.data = new Uint8Array(width * height * 4);
    this.fill(0, 0, width, height, background);
  }

  get(x: number, y: number): RGB {
    const i = (y * this.width + x) * 4;
    return [this.data[i], this.data[i + 1], this.data[i + 2]];
  }

  /** Sets one pixel; pixels outside the raster are ignored so callers can draw clipped. */
  set(x: number, y: number, color: RGB): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    this.data[i] = color[0];
    this.data[i + 1] = color[1];
    this.data[i + 2] = color[2];
    this.data[i + 3] = 255;
  }

  /** Mixes `color` into one pixel with weight `coverage` (0..1); pixels outside the raster are ignored. */
  blend(x: number, y: number, color: RGB, coverage: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    for (let k = 0; k < 3; k++)
      this.data[i + k] = Math.round(this.data[i + k] + (color[k] - this.data[i + k]) * coverage);
  }

  fill(x: number, y: number, w: number, h: number, color: RGB): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy, color);
  }

  /** A frame of `thickness` pixels drawn just outside the box (x, y, w, h). */
  frame(x: number, y: number, w: number, h: number, thickness: number, color: RGB): void {
    const t = thickness;
    this.fill(x - t, y - t, w + 2 * t, t, color);
    this.fill(x - t, y + h, w + 2 * t, t, color);
    this.fill(x - t, y, t, h, color);
    this.fill(x + w, y, t, h, color);
  }

  /** Copies `src` with its top-left at (x, y), each source pixel as a `scale` x `scale` block (nearest neighbour). */
  blit(src: Raster, x: number, y: number, scale = 1): void {
    for (let sy = 0; sy < src.height; sy++) {
      for (let sx = 0; sx < src.width; sx++) {
        this.fill(x + sx * scale, y + sy * scale, scale, scale, src.get(sx, sy));
      }
    }
  }
}

/**
 * An `h` x `w` raster of `values` (row-major, `stride` numbers per pixel,
 * read at `offset + (y * w + x) * stride`) coloured through `colormap` over
 * [low, high].
 */
export function valuesRaster(
  values: ArrayLike<number>,
  h: number,
  w: number,
  colormap: ColormapName,
  [low, high]: readonly [number, number],
  { offset = 0, stride = 1 }: { offset?: number; stride?: number } = {},
): Raster {
  const out = new Raster(w, h);
  const span = high - low;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = values[offset + (y * w + x) * stride];
      out.set(x, y, colorAt(colormap, span > 0 ? (v - low) / span : 0.5));
    }
  }
  return out;
}

/** An `h` x `w` raster from interleaved RGB values (`[h, w, 3]`) mapped from [low, high] to 0..255. */
export function rgbRaster(
  values: ArrayLike<number>,
  h: number,
  w: number,
  [low, high]: readonly [number, number],
): Raster {
  const out = new Raster(w, h);
  const span = high - low || 1;
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, (v - low) / span)) * 255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      out.set(x, y, [byte(values[i]), byte(values[i + 1]), byte(values[i + 2])]);
    }
  }
  return out;
}
