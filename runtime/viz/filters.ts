import { withColorbar } from "./colorbar";
import { isShapedArray, isTensorLike, extent, toDenseOfRank } from "./data";
import { formatNumber, formatShape } from "./format";
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
  const at = (y: number, x: number, i: number, o: number) => dense.data[((y * kw + x) * inC + i) * outC + o];
  const shownValues: number[] = [];
  for (let o = 0; o < shownOut; o++) for (let i = 0; i < shownIn; i++) for (let p = 0; p < kh * kw; p++) shownValues.push(at(Math.floor(p / kw), p % kw, i, o));
  const [min, max] = extent(shownValues);
  const m = Math.max(Math.abs(min), Math.abs(max)) || 1;
  const scale = autoScale(kh, kw, 48);
  const header = `${name}: ${outC} filters ${formatShape([kh, kw, inC])}`;
  const filterValues = (i: number, o: number) => Array.from({ length: kh * kw }, (_, p) => at(Math.floor(p / kw), p % kw, i, o));

  let picture: Raster;
  if (inC === 3) {
    const tiles: Tile[] = [];
    for (let o = 0; o < shownOut; o++) {
      const rgb = Array.from({ length: kh * kw * 3 }, (_, k) => at(Math.floor(k / 3 / kw), Math.floor(k / 3) % kw, k % 3, o));
      tiles.push({ pixels: pictureRaster(rgb, 0, [kh, kw, 3], extent(rgb)), title: String(o) });
    }
    picture = renderGrid(tiles, { columns: options.columns ?? 8, scale, header: `${header} (RGB, each filter stretched)` });
  } else if (inC === 1) {
    const tiles = Array.from({ length: shownOut }, (_, o) => ({
      pixels: valuesRaster(filterValues(0, o), kh, kw, "diverging", [-m, m]),
      title: String(o),
    }));
    picture = withColorbar(renderGrid(tiles, { columns: options.columns ?? 8, scale, header }), "diverging", [-m, m]);
  } else {
    const tiles: Tile[] = [];
    for (let o = 0; o < shownOut; o++) {
      for (let i = 0; i < shownIn; i++) {
        tiles.push({ pixels: valuesRaster(filterValues(i, o), kh, kw, "diverging", [-m, m]), title: o === 0 ? `in${i}` : undefined });
      }
    }
    const rowLabels = Array.from({ length: shownOut }, (_, o) => `out${o}`);
    picture = withColorbar(renderGrid(tiles, { columns: shownIn, scale, header, rowLabels }), "diverging", [-m, m]);
  }
  const clipped = shownOut < outC || shownIn < inC ? `, showing ${shownOut} of ${outC} filters x ${shownIn} of ${inC} input channels` : "";
  return imageOutput(picture, `viz.filters: ${header}, weights ${formatNumber(min)} to ${formatNumber(max)}${clipped}`);
}

function kernelOf(value: ConvLayerLike | ArrayInput, op: string): { kernel: ArrayInput; name: string } {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && !isTensorLike(value) && !isShapedArray(value)) {
    const layer = value as ConvLayerLike;
    if (typeof layer.getWeights !== "function") {
      throw new TypeError(`${op}: expected a conv layer (with getWeights()) or a kernel [kh, kw, in, out]`);
    }
    const [kernel] = layer.getWeights();
    if (!kernel || kernel.shape.length !== 4) {
      const shape = kernel ? `[${kernel.shape.join(", ")}]` : "no weights";
      throw new RangeError(`${op}: layer "${layer.name}" has ${shape}; filters need a conv kernel [kh, kw, in, out] (is the layer built?)`);
    }
    return { kernel, name: layer.name };
  }
  return { kernel: value, name: "kernel" };
}
