import { beforeEach, describe, expect, it } from "vitest";
import { plotlyColorscale } from "../../runtime/viz/colormap";
import { heatmap } from "../../runtime/viz/heatmap";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";
import { figureOf } from "./decode";

describe("viz.heatmap", () => {
  beforeEach(() => resetPlotlyCarrier());

  it("draws a matrix as one heatmap trace, row 0 on top, with titled axes and a text summary", () => {
    const output = heatmap(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { xTitle: "unit", yTitle: "time", title: "states" },
    );
    const { data, layout } = figureOf(output.bundle());
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({
      type: "heatmap",
      z: [
        [1, 2, 3],
        [4, 5, 6],
      ],
      zmin: 1,
      zmax: 6,
      showscale: true,
    });
    expect(layout).toMatchObject({
      xaxis: { title: { text: "unit" } },
      yaxis: { title: { text: "time" }, autorange: "reversed" },
    });
    expect(String(output)).toBe("states: 2x3 matrix, values 1 to 6");
  });

  it("labels the axes with tokens at integer positions, so repeated tokens stay separate columns", () => {
    const { data, layout } = figureOf(
      heatmap([[0, 1, 0]], { xLabels: ["the", "cat", "the"], yLabels: ["h"] }).bundle(),
    );
    expect(layout.xaxis).toMatchObject({ tickmode: "array", tickvals: [0, 1, 2], ticktext: ["the", "cat", "the"] });
    expect((data[0].text as string[][])[0][2]).toBe("row: h<br>column: the");
  });

  it("centres a diverging colormap on zero when values have both signs", () => {
    const { data } = figureOf(heatmap([[-1, 3]]).bundle());
    expect(data[0]).toMatchObject({ zmin: -3, zmax: 3, colorscale: plotlyColorscale("diverging") });
  });

  it("rejects label lists that do not match the matrix", () => {
    expect(() => heatmap([[1, 2]], { xLabels: ["a"] })).toThrow(
      "viz.heatmap: xLabels has 1 labels but the matrix has 2 columns",
    );
  });
});
