import { PNG } from "pngjs";
import type { MimeBundle } from "../../runtime/display";
import { PLOTLY_MIME, type PlotlyFigure } from "../../runtime/viz/chart";

/** A decoded PNG from a bundle, with a pixel reader. */
export interface Decoded {
  readonly width: number;
  readonly height: number;
  rgb(x: number, y: number): [number, number, number];
}

export function decodePng(bundle: MimeBundle): Decoded {
  const base64 = bundle["image/png"];
  if (typeof base64 !== "string") throw new Error(`bundle has no image/png: ${Object.keys(bundle).join(", ")}`);
  const png = PNG.sync.read(Buffer.from(base64, "base64"));
  return {
    width: png.width,
    height: png.height,
    rgb(x, y) {
      const i = (y * png.width + x) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    },
  };
}

export function figureOf(bundle: MimeBundle): PlotlyFigure {
  const figure = bundle[PLOTLY_MIME] as PlotlyFigure | undefined;
  if (!figure) throw new Error(`bundle has no ${PLOTLY_MIME}: ${Object.keys(bundle).join(", ")}`);
  return figure;
}

/** An `h` x `w` tensor-like whose pixels are all `value`. */
export function constantImage(h: number, w: number, value: number): number[][] {
  return Array.from({ length: h }, () => Array.from({ length: w }, () => value));
}

/** A tensor-like of `shape` holding `data`, as the runtime's tensors look to viz. */
export function fakeTensor(shape: number[], data: ArrayLike<number>) {
  return { shape, dataSync: () => Float32Array.from(data) };
}

/**
 * Where a vertical colorbar of `colors` (top colour, bottom colour) is: the
 * first column whose pixel at `top` has the top colour and whose pixel
 * `height - 1` lower has the bottom colour; -1 when there is none.
 */
export function findColorbar(
  png: Decoded,
  top: number,
  height: number,
  colors: readonly [readonly number[], readonly number[]],
): number {
  const same = (a: readonly number[], b: readonly number[]) => a.every((v, i) => v === b[i]);
  for (let x = 0; x < png.width; x++) {
    if (same(png.rgb(x, top), colors[0]) && same(png.rgb(x, top + height - 1), colors[1])) return x;
  }
  return -1;
}
