import type { MimeBundle } from "../display";
import { toDense } from "./data";
import { formatNumber, shapeLabel } from "./format";
import { autoScale, renderGrid } from "./grid";
import { imageOutput } from "./output";
import { pictureRaster, pixelRange } from "./picture";
import type { ArrayInput } from "./types";

/**
 * The picture of an image-shaped tensor (`[H, W]`, `[H, W, 1]`, `[H, W, 3]`
 * or `[H, W, 4]`), for the tensor's rich display: `image/png` upscaled to
 * about 112 pixels, plus `text` (default: a one-line summary) as
 * `text/plain`. Returns null for any other shape, so a caller can fall back
 * to its text display.
 */
export function tensorImageBundle(tensor: ArrayInput, { text }: { text?: string } = {}): MimeBundle | null {
  const dense = toDense(tensor, "tensorImageBundle");
  const [h, w, c = 1] = dense.shape;
  const imageShaped =
    (dense.shape.length === 2 || (dense.shape.length === 3 && [1, 3, 4].includes(c))) && h > 0 && w > 0;
  if (!imageShaped) return null;
  const range = pixelRange(dense.data);
  const raster = renderGrid([{ pixels: pictureRaster(dense.data, 0, [h, w, c], range) }], {
    columns: 1,
    scale: autoScale(h, w, 112),
  });
  const summary = `Tensor ${shapeLabel(dense.shape)}, shown as an image over ${formatNumber(range[0])}..${formatNumber(range[1])}`;
  return imageOutput(raster, text ?? summary).bundle();
}
