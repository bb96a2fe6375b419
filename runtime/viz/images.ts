import { classIndices, toDenseOfRank } from "./data";
import { shapeLabel } from "./format";
import { autoScale, renderGrid, type Tile } from "./grid";
import { imageOutput, type VizOutput } from "./output";
import { pictureRaster, pixelRange } from "./picture";
import { GREEN, RED } from "./raster";
import type { ArrayInput } from "./types";

export interface ImagesOptions {
  /** True classes: indices `[N]` or one-hot `[N, classes]`. */
  readonly labels?: ArrayInput;
  /** Predicted classes: indices `[N]`, or probabilities `[N, classes]` (argmax taken). */
  readonly predictions?: ArrayInput;
  /** Names to print instead of class indices. */
  readonly classNames?: readonly string[];
  /** Tiles per row (default: up to 10). */
  readonly columns?: number;
  /** Upscale factor (default: about 84 pixels per image, so 3 for MNIST). */
  readonly scale?: number;
  /** At most this many images are drawn (default 100). */
  readonly max?: number;
}

/**
 * A grid of images `[N, H, W]` or `[N, H, W, C]` (C = 1 or 3), each titled
 * with its label; with predictions, correct ones are titled in green and
 * wrong ones "true→predicted" in red inside a red frame.
 */
export function images(batch: ArrayInput, options: ImagesOptions = {}): VizOutput {
  const op = "viz.images";
  const dense = toDenseOfRank(batch, [3, 4], op, "the images");
  const [n, h, w, channels = 1] = dense.shape;
  if (![1, 3, 4].includes(channels)) {
    throw new RangeError(`${op}: images [N, H, W, C] need 1, 3 or 4 channels, got shape [${dense.shape.join(", ")}]`);
  }
  if (n === 0)
    throw new RangeError(`${op}: the batch is empty (shape [${dense.shape.join(", ")}]); pass at least one image`);
  const labels = options.labels === undefined ? undefined : classIndices(options.labels, op, "labels");
  const predictions =
    options.predictions === undefined ? undefined : classIndices(options.predictions, op, "predictions");
  for (const [name, list] of [
    ["labels", labels],
    ["predictions", predictions],
  ] as const) {
    if (list && list.length !== n) throw new RangeError(`${op}: ${name} has ${list.length} entries for ${n} images`);
  }
  const shown = Math.min(n, options.max ?? 100);
  const range = pixelRange(dense.data);
  const name = (c: number) => options.classNames?.[c] ?? String(c);
  const tiles: Tile[] = [];
  const wrong: number[] = [];
  for (let i = 0; i < shown; i++) {
    const pixels = pictureRaster(dense.data, i * h * w * channels, [h, w, channels], range);
    const [t, p] = [labels?.[i], predictions?.[i]];
    if (t !== undefined && p !== undefined && t !== p) {
      wrong.push(i);
      tiles.push({ pixels, title: `${name(t)}\u2192${name(p)}`, titleColor: RED, border: RED });
    } else if (t !== undefined && p !== undefined) {
      tiles.push({ pixels, title: name(t), titleColor: GREEN });
    } else {
      const only = t ?? p;
      tiles.push({ pixels, title: only === undefined ? undefined : name(only) });
    }
  }
  const raster = renderGrid(tiles, {
    columns: options.columns ?? Math.min(10, shown),
    scale: options.scale ?? autoScale(h, w, 84),
  });
  return imageOutput(raster, describe(n, shown, [h, w, channels], labels, predictions, wrong, name));
}

function describe(
  n: number,
  shown: number,
  [h, w, c]: readonly number[],
  labels: readonly number[] | undefined,
  predictions: readonly number[] | undefined,
  wrong: readonly number[],
  name: (c: number) => string,
): string {
  const head = `viz.images: ${shown === n ? n : `${shown} of ${n}`} images ${shapeLabel(c === 1 ? [h, w] : [h, w, c])}`;
  if (labels && predictions) {
    const listed = wrong.slice(0, 10).map((i) => `#${i} ${name(labels[i])}\u2192${name(predictions[i])}`);
    const more = wrong.length > 10 ? ", ..." : "";
    return `${head}, ${wrong.length} of ${shown} predictions wrong${wrong.length ? ` (${listed.join(", ")}${more})` : ""}`;
  }
  const known = labels ?? predictions;
  return known
    ? `${head}, ${labels ? "labels" : "predictions"} ${known.slice(0, 20).map(name).join(" ")}${known.length > 20 ? " ..." : ""}`
    : head;
}
