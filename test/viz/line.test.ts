import { beforeEach, describe, expect, it } from "vitest";
import { line } from "../../runtime/viz/line";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";
import { fakeTensor, figureOf } from "./decode";

describe("viz.line", () => {
  beforeEach(() => resetPlotlyCarrier());

  it("plots y against its index", () => {
    const output = line([3, 1, 2]);
    const { data, layout } = figureOf(output.bundle());
    expect(data).toEqual([{ type: "scatter", mode: "lines", name: "series 0", x: [0, 1, 2], y: [3, 1, 2] }]);
    expect(layout).toMatchObject({
      xaxis: { title: { text: "x" } },
      yaxis: { title: { text: "y" } },
      showlegend: false,
    });
    expect(String(output)).toBe("line chart (series 0: 3 points, last 2)");
  });

  it("plots y against x, from tensors too, with axis titles and a log scale", () => {
    const { data, layout } = figureOf(
      line(fakeTensor([2], [1, 10]), [0.5, 0.25], { xTitle: "lr", yTitle: "loss", logY: true }).bundle(),
    );
    expect(data[0]).toMatchObject({ x: [1, 10], y: [0.5, 0.25] });
    expect(layout).toMatchObject({ xaxis: { title: { text: "lr" } }, yaxis: { title: { text: "loss" }, type: "log" } });
  });

  it("puts x on a log scale with logX, and lets a series pick its own mode", () => {
    const { data, layout } = figureOf(
      line(
        [
          { name: "runs", x: [1, 10, 1, 10], y: [2, 20, 3, 30], mode: "markers" },
          { name: "mean", x: [1, 10], y: [2.5, 25] },
        ],
        { logX: true, logY: true, mode: "lines+markers" },
      ).bundle(),
    );
    expect(data.map((t) => t.mode)).toEqual(["markers", "lines+markers"]);
    expect(layout).toMatchObject({ xaxis: { type: "log" }, yaxis: { type: "log" } });
    expect(figureOf(line([1, 2]).bundle()).layout.xaxis).not.toHaveProperty("type");
  });

  it("draws one named trace per series from a record or a list", () => {
    const fromRecord = figureOf(line({ train: [1, 0.5], val: [1.2, 0.7] }).bundle());
    expect(fromRecord.data.map((t) => t.name)).toEqual(["train", "val"]);
    expect(fromRecord.layout.showlegend).toBe(true);
    const fromList = figureOf(line([{ name: "sin", x: [0, 1], y: [0, 0.84] }]).bundle());
    expect(fromList.data[0]).toMatchObject({ name: "sin", x: [0, 1], y: [0, 0.84] });
  });

  it("rejects x and y of different lengths", () => {
    expect(() => line([1, 2, 3], [1, 2])).toThrow('viz.line: series "0" has 3 x values and 2 y values');
  });

  it("draws the spread from low to high as asymmetric error bars, on a log x axis if asked", () => {
    const { data, layout } = figureOf(
      line([{ name: "mean of 3 seeds", x: [5, 500], y: [0.6, 0.9], low: [0.5, 0.88], high: [0.75, 0.95] }], {
        logX: true,
      }).bundle(),
    );
    const bars = data[0].error_y as { type: string; symmetric: boolean; array: number[]; arrayminus: number[] };
    expect(bars).toMatchObject({ type: "data", symmetric: false });
    expect(bars.array[0]).toBeCloseTo(0.15, 12);
    expect(bars.array[1]).toBeCloseTo(0.05, 12);
    expect(bars.arrayminus[0]).toBeCloseTo(0.1, 12);
    expect(bars.arrayminus[1]).toBeCloseTo(0.02, 12);
    expect(layout).toMatchObject({ xaxis: { type: "log" } });
    expect(figureOf(line([1, 2]).bundle()).data[0].error_y).toBeUndefined();
  });

  it("rejects a spread that is half given, of another length, or that leaves out y", () => {
    expect(() => line([{ name: "a", y: [1, 2], low: [0, 1] }])).toThrow(
      'viz.line: series "a" has low without high; give both',
    );
    expect(() => line([{ name: "a", y: [1, 2], low: [0], high: [2, 3] }])).toThrow(
      'viz.line: series "a" has 1 low values and 2 y values',
    );
    expect(() => line([{ name: "a", y: [1, 2], low: [0, 2.5], high: [2, 3] }])).toThrow(
      'viz.line: series "a" point 1: y = 2 is not between low 2.5 and high 3',
    );
  });
});
