import { beforeEach, describe, expect, it } from "vitest";
import { attention } from "../../runtime/viz/attention";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";
import { figureOf } from "./decode";

describe("viz.attention", () => {
  beforeEach(() => resetPlotlyCarrier());
  const queryTokens = ["le", "chat"];
  const keyTokens = ["the", "cat", "sat"];
  const weights = [
    [0.8, 0.1, 0.1],
    [0.1, 0.7, 0.2],
  ];

  it("draws queries down and keys across with token ticks, and summarises the strongest key per query", () => {
    const output = attention(weights, { queryTokens, keyTokens });
    const { data, layout } = figureOf(output.bundle());
    expect(data).toHaveLength(1);
    expect(layout.xaxis).toMatchObject({ title: { text: "key" }, ticktext: keyTokens });
    expect(layout.yaxis).toMatchObject({ title: { text: "query" }, ticktext: queryTokens, autorange: "reversed" });
    expect(data[0]).toMatchObject({ zmin: 0, zmax: 0.8 });
    expect((data[0].text as string[][])[1][0]).toBe("query: chat<br>key: the");
    expect(String(output)).toBe(
      "viz.attention: 2x3 weights (queries x keys); strongest key per query: le\u2192the, chat\u2192cat",
    );
  });

  it("draws one panel per head for [heads, queries, keys]", () => {
    const { data, layout } = figureOf(attention([weights, weights, weights], { queryTokens, keyTokens }).bundle());
    expect(data.map((t) => [t.xaxis, t.yaxis])).toEqual([
      ["x", "y"],
      ["x2", "y2"],
      ["x3", "y3"],
    ]);
    expect(layout.grid).toEqual({ rows: 2, columns: 2, pattern: "independent" });
    expect(layout.xaxis3).toMatchObject({ title: { text: "key (head 2)" } });
  });

  it("says which token list does not fit the weights", () => {
    expect(() => attention(weights, { queryTokens: ["le"], keyTokens })).toThrow(
      "viz.attention: queryTokens has 1 labels but the matrix has 2 queries (rows)",
    );
  });
});
