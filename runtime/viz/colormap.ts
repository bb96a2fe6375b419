/**
 * Colormaps shared by the PNG renderers and the plotly charts, so a picture
 * and a chart of the same values use the same colours.
 */

export type RGB = readonly [number, number, number];

/**
 * `gray`: black to white (digits, activations). `viridis`: perceptually
 * uniform dark blue to yellow (magnitudes). `diverging`: blue, white at the
 * middle, red (signed values such as weights, centred on zero).
 */
export type ColormapName = "gray" | "viridis" | "diverging";

const COLORMAPS: readonly ColormapName[] = ["gray", "viridis", "diverging"];

/** The colour of `t` in [0, 1] (clamped; NaN is drawn as the low end). */
export function colorAt(name: ColormapName, t: number): RGB {
  const stops = STOPS[name] ?? unknownColormap(name);
  const u = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const pos = u * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const [a, b] = [stops[i], stops[i + 1]];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** The same colormap as a plotly `colorscale`. */
export function plotlyColorscale(name: ColormapName): [number, string][] {
  const stops = STOPS[name] ?? unknownColormap(name);
  return stops.map((c, i) => [i / (stops.length - 1), `rgb(${c[0]},${c[1]},${c[2]})`]);
}

// Evenly spaced stops, linearly interpolated. Viridis sampled from its published table.
const STOPS: Record<ColormapName, readonly RGB[]> = {
  gray: [
    [0, 0, 0],
    [255, 255, 255],
  ],
  viridis: [
    [68, 1, 84],
    [72, 40, 120],
    [62, 73, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [110, 206, 88],
    [253, 231, 37],
  ],
  diverging: [
    [5, 48, 97],
    [67, 147, 195],
    [247, 247, 247],
    [214, 96, 77],
    [103, 0, 31],
  ],
};

function unknownColormap(name: string): never {
  throw new RangeError(`viz: unknown colormap "${name}"; use one of ${COLORMAPS.join(", ")}`);
}
