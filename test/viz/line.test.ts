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
});
