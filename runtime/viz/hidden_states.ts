import { chartOutput } from "./chart";
import { extent, squeezeBatch, toDenseOfRank, type Dense } from "./data";
import { formatNumber, shapeLabel } from "./format";
import { heatmapTrace, labelledAxis } from "./heatmap_trace";
import type { VizOutput } from "./output";
import { subplotLayout } from "./subplots";
import type { RecurrentLayerLike, RecurrentModel, RecurrentStates, TensorLike } from "./types";

export interface HiddenStatesOptions {
  /** The recurrent layer of a model, by name or index (default: the first LSTM, GRU or RNN layer). */
  readonly layer?: string | number;
  /** A label per time step (the input tokens); default the step index. */
  readonly tokens?: readonly string[];
  /** Units shown (default 64). */
  readonly maxUnits?: number;
}

/**
 * How a recurrent layer's hidden units change over one sequence: a heatmap
 * of units (down) over time steps (across), blue-white-red around 0; for an
 * LSTM a second panel shows the cell state.
 */
export function hiddenStates(
  rnnOrModel: RecurrentLayerLike | RecurrentModel,
  sequence: TensorLike,
  options: HiddenStatesOptions = {},
): VizOutput {
  const op = "viz.hiddenStates";
  const { name, states } = run(rnnOrModel, sequence, options.layer, op);
  const panels: [string, TensorLike][] = [["hidden state h", states.hidden]];
  if (states.cell) panels.push(["cell state c", states.cell]);
  const matrices = panels.map(([title, tensor]) => {
    const dense = squeezeBatch(toDenseOfRank(tensor, [2, 3], op, `the ${title} of ${name}`), 2);
    if (dense.shape.length !== 2)
      throw new RangeError(`${op}: ${title} of ${name} must be [time, units], got [${dense.shape.join(", ")}]`);
    return {
      title,
      units: transposedUnits(dense, options.maxUnits ?? 64),
      time: dense.shape[0],
      allUnits: dense.shape[1],
    };
  });
  const time = matrices[0].time;
  if (options.tokens && options.tokens.length !== time) {
    throw new RangeError(`${op}: ${options.tokens.length} tokens for a sequence of ${time} steps`);
  }
  const m = Math.max(...matrices.map(({ units }) => Math.max(...extent(units.data).map(Math.abs)))) || 1;
  const figure = {
    data: matrices.map(({ units }, i) =>
      heatmapTrace(units, {
        xLabels: options.tokens,
        xName: "step",
        yName: "unit",
        colormap: "diverging",
        range: [-m, m],
        axis: i === 0 ? "" : "2",
        showScale: i === 0,
      }),
    ),
    layout: {
      title: { text: `${name}: hidden units over time` },
      // The panels share their time axis: only the bottom one is titled, so no title sits between them.
      ...subplotLayout(matrices.length, 1, (i) => ({
        x: labelledAxis(i === matrices.length - 1 ? (options.tokens ? "token" : "time step") : "", options.tokens),
        y: { title: { text: `${matrices[i].title}: unit` }, autorange: "reversed" },
      })),
      height: matrices.length * Math.min(500, Math.max(220, 80 + matrices[0].units.shape[0] * 8)) + 60,
    },
  };
  const shown = matrices[0].units.shape[0];
  const lines = matrices.map(({ title, units }) => {
    const [lo, hi] = extent(units.data);
    return `  ${title}: ${formatNumber(lo)} to ${formatNumber(hi)}`;
  });
  const clipped = shown < matrices[0].allUnits ? ` (${shown} of ${matrices[0].allUnits} units shown)` : "";
  return chartOutput(
    figure,
    [`viz.hiddenStates: ${name}, ${shapeLabel([time, matrices[0].allUnits])} (time x units)${clipped}`, ...lines].join(
      "\n",
    ),
  );
}

function run(
  target: RecurrentLayerLike | RecurrentModel,
  sequence: TensorLike,
  ref: string | number | undefined,
  op: string,
): { name: string; states: RecurrentStates } {
  if (!("layers" in target)) return { name: target.name, states: target.recurrentStates(sequence) };
  const layers = target.layers;
  const layer =
    typeof ref === "number"
      ? layers[ref]
      : typeof ref === "string"
        ? layers.find((l) => l.name === ref)
        : layers.find((l) => /LSTM|GRU|RNN/.test(l.className));
  if (!layer) {
    const listed = layers.map((l) => `${l.name} (${l.className})`).join(", ");
    throw new RangeError(
      `${op}: ${ref === undefined ? "the model has no recurrent layer" : `no layer ${JSON.stringify(ref)}`}; layers are ${listed}`,
    );
  }
  return { name: layer.name, states: target.recurrentStates(sequence, layer.name) };
}

/** `[time, units]` turned into `[units, time]` (units down the y axis), first `maxUnits` units. */
function transposedUnits(dense: Dense, maxUnits: number): Dense {
  const [time, units] = dense.shape;
  const shown = Math.min(units, maxUnits);
  const data = new Array<number>(shown * time);
  for (let u = 0; u < shown; u++) for (let t = 0; t < time; t++) data[u * time + t] = dense.data[t * units + u];
  return { shape: [shown, time], data };
}
