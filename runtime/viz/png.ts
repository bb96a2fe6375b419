import { PNG } from "pngjs";
import type { Raster } from "./raster";

/**
 * Encodes a raster as an RGB PNG (pngjs: pure JavaScript, no native build,
 * synchronous, so a viz call returns a finished bundle).
 */
export function encodePng(raster: Raster): Buffer {
  const png = new PNG({ width: raster.width, height: raster.height });
  png.data = Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 6, inputHasAlpha: true });
}
