import { chartOutput } from "./chart";
import { isShapedArray, isTensorLike, toDenseOfRank } from "./data";
import { formatNumber } from "./format";
import type { VizOutput } from "./output";
import type { ArrayInput } from "./types";

/** One named line. */
export interface Series {
  readonly name?: string;
  /** Default 0, 1, 2, ... */
  readonly x?: ArrayInput;
  readonly y: ArrayInput;
  /** The spread around y (for example min and max over seeds), drawn as error bars from `low` to `high`; both or neither. */
  readonly low?: ArrayInput;
  readonly high?: ArrayInput;
  /** This series' own mode (say, "markers" for single runs beside a line of their mean); default the chart's. */
  readonly mode?: "lines" | "markers" | "lines+markers";
}

export interface LineOptions {
  readonly title?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  /** Logarithmic y axis (losses spanning decades). */
  readonly logY?: boolean;
  /** Logarithmic x axis (sizes swept by factors, such as 5, 20, 100, 500 examples; with `logY`, a power law is a straight line). */
  readonly logX?: boolean;
  readonly mode?: "lines" | "markers" | "lines+markers";
}

/**
 * An ad-hoc line chart:
 * `viz.line(y)`, `viz.line(x, y)`, `viz.line({ train: [...], val: [...] })`
 * or `viz.line([{ name, x, y }, ...])`, each with options last.
 */
export function line(y: ArrayInput, options?: LineOptions): VizOutput;
export function line(x: ArrayInput, y: ArrayInput, options?: LineOptions): VizOutput;
export function line(
  series: Readonly<Record<string, ArrayInput>> | readonly Series[],
  options?: LineOptions,
): VizOutput;
export function line(
  first: ArrayInput | Readonly<Record<string, ArrayInput>> | readonly Series[],
  second?: ArrayInput | LineOptions,
  third?: LineOptions,
): VizOutput {
  const op = "viz.line";
  const secondIsData = second !== undefined && isArrayInput(second);
  const options: LineOptions = (secondIsData ? third : second) ?? {};
  const series = seriesOf(first, secondIsData ? second : undefined);
  const traces = series.map((s, i) => {
    const y = Array.from(toDenseOfRank(s.y, [1], op, `y of series "${s.name ?? i}"`).data);
    const x =
      s.x === undefined
        ? y.map((_, j) => j)
        : Array.from(toDenseOfRank(s.x, [1], op, `x of series "${s.name ?? i}"`).data);
    if (x.length !== y.length)
      throw new RangeError(`${op}: series "${s.name ?? i}" has ${x.length} x values and ${y.length} y values`);
    const name = s.name ?? `series ${i}`;
    return { type: "scatter", mode: s.mode ?? options.mode ?? "lines", name, x, y, ...errorBars(s, y, op, name) };
  });
  const figure = {
    data: traces,
    layout: {
      ...(options.title ? { title: { text: options.title } } : {}),
      xaxis: { title: { text: options.xTitle ?? "x" }, ...(options.logX ? { type: "log" } : {}) },
      yaxis: { title: { text: options.yTitle ?? "y" }, ...(options.logY ? { type: "log" } : {}) },
      showlegend: traces.length > 1,
      height: 360,
    },
  };
  const summary = traces.map(
    (t) => `${t.name}: ${t.y.length} points, last ${formatNumber(t.y[t.y.length - 1] ?? NaN)}`,
  );
  return chartOutput(figure, `${options.title ?? "line chart"} (${summary.join("; ")})`);
}

/** Plotly's asymmetric error bars for a series with `low` and `high`: distances below and above each y. */
function errorBars(s: Series, y: readonly number[], op: string, name: string): { error_y?: Record<string, unknown> } {
  if (s.low === undefined && s.high === undefined) return {};
  if (s.low === undefined || s.high === undefined)
    throw new RangeError(
      `${op}: series "${name}" has ${s.low === undefined ? "high" : "low"} without ${s.low === undefined ? "low" : "high"}; give both`,
    );
  const bound = (values: ArrayInput, what: string) => {
    const data = Array.from(toDenseOfRank(values, [1], op, `${what} of series "${name}"`).data);
    if (data.length !== y.length)
      throw new RangeError(`${op}: series "${name}" has ${data.length} ${what} values and ${y.length} y values`);
    return data;
  };
  const low = bound(s.low, "low");
  const high = bound(s.high, "high");
  const outside = y.findIndex((v, j) => !(low[j] <= v && v <= high[j]));
  if (outside >= 0)
    throw new RangeError(
      `${op}: series "${name}" point ${outside}: y = ${y[outside]} is not between low ${low[outside]} and high ${high[outside]}`,
    );
  return {
    error_y: {
      type: "data",
      symmetric: false,
      array: high.map((h, j) => h - y[j]),
      arrayminus: low.map((l, j) => y[j] - l),
    },
  };
}

function seriesOf(
  first: ArrayInput | Readonly<Record<string, ArrayInput>> | readonly Series[],
  y: ArrayInput | undefined,
): Series[] {
  if (y !== undefined) return [{ x: first as ArrayInput, y }];
  if (
    Array.isArray(first) &&
    first.length > 0 &&
    first.every((s) => typeof s === "object" && s !== null && !Array.isArray(s) && "y" in s)
  ) {
    return first as Series[];
  }
  if (isArrayInput(first)) return [{ y: first }];
  return Object.entries(first as Record<string, ArrayInput>).map(([name, values]) => ({ name, y: values }));
}

function isArrayInput(value: unknown): value is ArrayInput {
  return typeof value === "number" || Array.isArray(value) || isTensorLike(value) || isShapedArray(value);
}
