import { chartOutput } from "./chart";
import { classIndices } from "./data";
import { heatmapTrace, labelledAxis } from "./heatmap_trace";
import type { VizOutput } from "./output";
import type { ArrayInput } from "./types";

export interface ConfusionMatrixOptions {
  /** Names of the classes, in index order (default "0", "1", ...). */
  readonly classNames?: readonly string[];
  readonly title?: string;
}

/**
 * Counts of (true class, predicted class) pairs as a heatmap with the count
 * in each cell: true classes down, predictions across, the diagonal is what
 * the model got right. Labels are class indices `[N]` or one-hot /
 * probabilities `[N, classes]`.
 */
export function confusionMatrix(yTrue: ArrayInput, yPred: ArrayInput, options: ConfusionMatrixOptions = {}): VizOutput {
  const op = "viz.confusionMatrix";
  const truth = classIndices(yTrue, op, "yTrue");
  const predicted = classIndices(yPred, op, "yPred");
  if (truth.length !== predicted.length) {
    throw new RangeError(`${op}: yTrue has ${truth.length} samples but yPred has ${predicted.length}`);
  }
  const classes = options.classNames?.length ?? Math.max(0, ...truth, ...predicted) + 1;
  const names = options.classNames ?? Array.from({ length: classes }, (_, i) => String(i));
  const counts = new Array<number>(classes * classes).fill(0);
  truth.forEach((t, i) => {
    const p = predicted[i];
    if (t < 0 || t >= classes || p < 0 || p >= classes) {
      throw new RangeError(
        `${op}: sample ${i} has class ${t < 0 || t >= classes ? t : p}, outside the ${classes} classNames`,
      );
    }
    counts[t * classes + p] += 1;
  });
  const correct = names.reduce((s, _, c) => s + counts[c * classes + c], 0);
  const trace = heatmapTrace(
    { shape: [classes, classes], data: counts },
    {
      xLabels: names,
      yLabels: names,
      xName: "predicted",
      yName: "true",
      colormap: "viridis",
      range: [0, Math.max(1, ...counts)],
      cellText: "%{z}",
    },
  );
  const accuracy = truth.length ? ((100 * correct) / truth.length).toFixed(1) : "n/a";
  const figure = {
    data: [trace],
    layout: {
      title: { text: options.title ?? `confusion matrix (accuracy ${accuracy}%)` },
      margin: { t: 50 },
      xaxis: labelledAxis("predicted", names, { side: "bottom" }),
      yaxis: labelledAxis("true", names, { autorange: "reversed" }),
      height: Math.min(800, Math.max(320, 140 + classes * 36)),
      width: Math.min(900, Math.max(380, 200 + classes * 40)),
    },
  };
  return chartOutput(
    figure,
    `confusion matrix: ${truth.length} samples, ${classes} classes, accuracy ${accuracy}%\n${table(counts, names)}`,
  );
}

/** The matrix as aligned text, rows true and columns predicted. */
function table(counts: readonly number[], names: readonly string[]): string {
  const n = names.length;
  const width = Math.max(4, ...names.map((s) => s.length), ...counts.map((c) => String(c).length)) + 1;
  const pad = (s: string) => s.padStart(width);
  const header = pad("t\\p") + names.map(pad).join("");
  const body = names.map(
    (name, r) =>
      pad(name) +
      counts
        .slice(r * n, (r + 1) * n)
        .map((c) => pad(String(c)))
        .join(""),
  );
  return [header, ...body].join("\n");
}
