import { withColorbar } from "./colorbar";
import type { ColormapName } from "./colormap";
import { extent } from "./data";
import { formatNumber, shapeLabel } from "./format";
import { autoScale, renderGrid, stackVertical, type Tile } from "./grid";
import { imageOutput, type VizOutput } from "./output";
import { valuesRaster, type Raster } from "./raster";
import type { ActivationModel, TensorLike } from "./types";

export interface FeatureMapsOptions {
  /** Layers to show, by name or index (default: every layer whose output is an image, `[H, W, C]`). */
  readonly layers?: readonly (string | number)[];
  /** Channels shown per layer (default 16). */
  readonly maxChannels?: number;
  /** Tiles per row (default 8). */
  readonly columns?: number;
  /** `"layer"` (default): one colour scale per layer, with a colorbar, so weak channels look weak. `"channel"`: each channel stretched to its own range. */
  readonly normalize?: "layer" | "channel";
  readonly colormap?: ColormapName;
}

/**
 * What each layer of `model` computes from one input: one tile per channel,
 * each layer titled with its name and output shape. Layers are read through
 * `model.activations` (see ActivationModel), example 0 of the batch.
 */
export function featureMaps(model: ActivationModel, input: TensorLike, options: FeatureMapsOptions = {}): VizOutput {
  const op = "viz.featureMaps";
  const explicit = options.layers !== undefined;
  const names = (options.layers ?? model.layers.map((l) => l.name)).map((ref) => layerName(model, ref, op));
  const outputs = model.activations(input, names);
  if (outputs.length !== names.length) {
    throw new Error(`${op}: model.activations returned ${outputs.length} outputs for ${names.length} layers`);
  }
  const sections: Raster[] = [];
  const lines: string[] = [];
  outputs.forEach((activation, k) => {
    const shape = activation.shape.slice(1);
    if (!explicit && shape.length !== 3) return;
    if (shape.length !== 3 && shape.length !== 1) {
      throw new RangeError(
        `${op}: layer "${names[k]}" outputs [${activation.shape.join(", ")}]; feature maps need [batch, H, W, C] or [batch, units]`,
      );
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Array.prototype.slice.call(activation.dataSync(), 0, size) as number[];
    const [h, w, c] = shape.length === 3 ? shape : [1, shape[0], 1];
    const shown = Math.min(c, options.maxChannels ?? 16);
    const range = extent(data);
    const section = layerSection(data, [h, w, c], shown, `${names[k]} (${shapeLabel(shape)})`, range, options);
    sections.push(section);
    const of = shown < c ? `, ${shown} of ${c} channels shown` : "";
    lines.push(
      `  ${names[k]}: ${shapeLabel(shape)}, values ${formatNumber(range[0])} to ${formatNumber(range[1])}${of}`,
    );
  });
  if (sections.length === 0) {
    throw new RangeError(
      `${op}: no layer outputs an image [batch, H, W, C]; name the layers to show with { layers: [...] }`,
    );
  }
  return imageOutput(
    stackVertical(sections),
    [`viz.featureMaps: ${sections.length} layer${sections.length === 1 ? "" : "s"}`, ...lines].join("\n"),
  );
}

function layerSection(
  data: readonly number[],
  [h, w, c]: readonly number[],
  shown: number,
  header: string,
  range: readonly [number, number],
  options: FeatureMapsOptions,
): Raster {
  const colormap = options.colormap ?? "viridis";
  const perChannel = options.normalize === "channel";
  const tiles: Tile[] = [];
  for (let ch = 0; ch < shown; ch++) {
    const channelRange = perChannel ? extent(Array.from({ length: h * w }, (_, p) => data[p * c + ch])) : range;
    tiles.push({
      pixels: valuesRaster(data, h, w, colormap, channelRange, { offset: ch, stride: c }),
      title: c > 1 ? String(ch) : undefined,
    });
  }
  const grid = renderGrid(tiles, {
    columns: options.columns ?? 8,
    scale: h === 1 ? Math.max(1, Math.floor(480 / w)) : autoScale(h, w),
    header,
  });
  return perChannel ? grid : withColorbar(grid, colormap, range);
}

function layerName(model: ActivationModel, ref: string | number, op: string): string {
  if (typeof ref === "number") {
    const layer = model.layers[ref];
    if (!layer)
      throw new RangeError(`${op}: layer index ${ref} is out of range; the model has ${model.layers.length} layers`);
    return layer.name;
  }
  if (!model.layers.some((l) => l.name === ref)) {
    throw new RangeError(`${op}: no layer named "${ref}"; layers are ${model.layers.map((l) => l.name).join(", ")}`);
  }
  return ref;
}
