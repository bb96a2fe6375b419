import type { ColormapName } from "./colormap";
import { extent } from "./data";
import { type Raster, rgbRaster, valuesRaster } from "./raster";

/**
 * The range image values are read in: [0, 1] or [0, 255] when they fit (so a
 * faint digit stays faint), otherwise their own minimum to maximum.
 */
export function pixelRange(data: ArrayLike<number>): [number, number] {
  const [min, max] = extent(data);
  if (min >= 0 && max <= 1) return [0, 1];
  if (min >= 0 && max <= 255) return [0, 255];
  return [min, max];
}

/**
 * One `h` x `w` picture with `channels` values per pixel starting at
 * `offset`: 1 channel through `colormap`, 3 as RGB, 4 as RGB with alpha
 * dropped.
 */
export function pictureRaster(
  data: ArrayLike<number>,
  offset: number,
  [h, w, channels]: readonly [number, number, number],
  range: readonly [number, number],
  colormap: ColormapName = "gray",
): Raster {
  if (channels === 1) return valuesRaster(data, h, w, colormap, range, { offset });
  const rgb = new Float64Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) rgb[p * 3 + k] = data[offset + p * channels + k];
  }
  return rgbRaster(rgb, h, w, range);
}
