import { withColorbar } from "./colorbar";
import { isShapedArray, isTensorLike, extent, toDenseOfRank } from "./data";
import { formatNumber, shapeLabel } from "./format";
import { autoScale, renderGrid, type Tile } from "./grid";
import { imageOutput, type VizOutput } from "./output";
import { pictureRaster } from "./picture";
import { valuesRaster, type Raster } from "./raster";
import type { ArrayInput, ConvLayerLike } from "./types";

export interface FiltersOptions {
  /** Output channels (filters) shown (default 32 for single-channel input, 16 otherwise). */
  readonly maxFilters?: number;
  /** Input channels shown per filter when the layer has more than 3 (default 8). */
  readonly maxInputs?: number;
  /** Tiles per row when each filter is one tile (default 8). */
  readonly columns?: number;
}

/**
 * A conv layer's kernels `[kh, kw, in, out]` as pictures. One input channel:
 * one tile per filter. Three: each filter as an RGB picture. More: one row
 * per filter, one tile per input channel. Weights are signed, so they are
 * drawn blue-white-red around zero with a colorbar.
 */
export function filters(layerOrKernel: ConvLayerLike | ArrayInput, options: FiltersOptions = {}): VizOutput {
  const op = "viz.filters";
  const { kernel, name } = kernelOf(layerOrKernel, op);
  const dense = toDenseOfRank(kernel, [4], op, `the kernel of ${name}`);
  const [kh, kw, inC, outC] = dense.shape;
  const shownOut = Math.min(outC, options.maxFilters ?? (inC === 1 ? 32 : 16));
  const shownIn = inC === 3 ? 3 : Math.min(inC, options.maxInputs ?? 8);
  // slice(i, o) is one kh x kw kernel, row-major.
  const slice = (i: number, o: number) =>
    Array.from({ length: kh * kw }, (_, p) => dense.data[(p * inC + i) * outC + o]);
  const shown = Array.from({ length: shownOut }, (_, o) => Array.from({ length: shownIn }, (_, i) => slice(i, o)));
  const [min, max] = extent(shown.flat(2));
  const header = `${name}: ${outC} filters ${shapeLabel([kh, kw, inC])}`;
  const layout = { kh, kw, scale: autoScale(kh, kw, 48), columns: options.columns ?? 8, header };
  const m = Math.max(Math.abs(min), Math.abs(max)) || 1;
  const picture =
    inC === 3
      ? rgbFilters(shown, layout)
      : inC === 1
        ? withColorbar(singleChannelFilters(shown, layout, m), "diverging", [-m, m])
        : withColorbar(filterRows(shown, layout, m), "diverging", [-m, m]);
  const clipped =
    shownOut < outC || shownIn < inC
      ? `, showing ${shownOut} of ${outC} filters x ${shownIn} of ${inC} input channels`
      : "";
  return imageOutput(picture, `viz.filters: ${header}, weights ${formatNumber(min)} to ${formatNumber(max)}${clipped}`);
}

interface FilterLayout {
  readonly kh: number;
  readonly kw: number;
  readonly scale: number;
  readonly columns: number;
  readonly header: string;
}

/** One tile per filter, weights in [-m, m] drawn blue-white-red. `shown[o][0]` is filter o. */
function singleChannelFilters(
  shown: readonly number[][][],
  { kh, kw, scale, columns, header }: FilterLayout,
  m: number,
): Raster {
  const tiles = shown.map(([k], o) => ({ pixels: valuesRaster(k, kh, kw, "diverging", [-m, m]), title: String(o) }));
  return renderGrid(tiles, { columns, scale, header });
}

/** One RGB tile per filter over 3 input channels, each filter stretched to its own range. */
function rgbFilters(shown: readonly number[][][], { kh, kw, scale, columns, header }: FilterLayout): Raster {
  const tiles = shown.map(([r, g, b], o) => {
    const rgb = r.flatMap((_, p) => [r[p], g[p], b[p]]);
    return { pixels: pictureRaster(rgb, 0, [kh, kw, 3], extent(rgb)), title: String(o) };
  });
  return renderGrid(tiles, { columns, scale, header: `${header} (RGB, each filter stretched)` });
}

/** One row per filter, one tile per input channel, columns titled on the first row. */
function filterRows(shown: readonly number[][][], { kh, kw, scale, header }: FilterLayout, m: number): Raster {
  const tiles: Tile[] = shown.flatMap((inputs, o) =>
    inputs.map((k, i) => ({
      pixels: valuesRaster(k, kh, kw, "diverging", [-m, m]),
      title: o === 0 ? `in${i}` : undefined,
    })),
  );
  const rowLabels = shown.map((_, o) => `out${o}`);
  return renderGrid(tiles, { columns: shown[0]?.length ?? 1, scale, header, rowLabels });
}

function kernelOf(value: ConvLayerLike | ArrayInput, op: string): { kernel: ArrayInput; name: string } {
  // keras layers are callable (layer(x) applies them), so a layer may be a function as well as an object.
  const objectOrFunction = (typeof value === "object" && value !== null) || typeof value === "function";
  if (objectOrFunction && !Array.isArray(value) && !isTensorLike(value) && !isShapedArray(value)) {
    const layer = value as ConvLayerLike;
    if (typeof layer.getWeights !== "function") {
      throw new TypeError(`${op}: expected a conv layer (with getWeights()) or a kernel [kh, kw, in, out]`);
    }
    const [kernel] = layer.getWeights();
    if (!kernel || kernel.shape.length !== 4) {
      const shape = kernel ? `[${kernel.shape.join(", ")}]` : "no weights";
      throw new RangeError(
        `${op}: layer "${layer.name}" has ${shape}; filters need a conv kernel [kh, kw, in, out] (is the layer built?)`,
      );
    }
    return { kernel, name: layer.name };
  }
  return { kernel: value, name: "kernel" };
}
