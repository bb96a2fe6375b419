import { beforeEach, describe, expect, it } from "vitest";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";
import { trainingCurves } from "../../runtime/viz/training_curves";
import { figureOf } from "./decode";

describe("viz.trainingCurves", () => {
  beforeEach(() => resetPlotlyCarrier());
  const history = {
    epoch: [0, 1, 2],
    history: {
      accuracy: [0.8, 0.9, 0.95],
      loss: [0.6, 0.3, 0.2],
      val_loss: [0.5, 0.35, 0.3],
      val_accuracy: [0.82, 0.88, 0.9],
    },
  };

  it("draws one subplot per quantity, loss first, with train and validation curves over epochs from 1", () => {
    const output = trainingCurves(history);
    const { data, layout } = figureOf(output.bundle());
    expect(data.map((t) => [t.name, t.xaxis, t.yaxis])).toEqual([
      ["train", "x", "y"],
      ["validation", "x", "y"],
      ["train", "x2", "y2"],
      ["validation", "x2", "y2"],
    ]);
    expect(data[1]).toMatchObject({ x: [1, 2, 3], y: [0.5, 0.35, 0.3] });
    expect(layout).toMatchObject({
      grid: { rows: 1, columns: 2 },
      xaxis: { title: { text: "epoch" } },
      yaxis: { title: { text: "loss" } },
      yaxis2: { title: { text: "accuracy" } },
    });
    expect(data.map((t) => t.showlegend)).toEqual([true, true, false, false]);
    expect(String(output)).toBe("training curves: 3 epochs, final loss 0.2 / val 0.3, accuracy 0.95 / val 0.9");
  });

  it("ticks the epoch axis on whole epochs, fewer ticks for long runs", () => {
    const { layout } = figureOf(trainingCurves(history).bundle());
    expect(layout.xaxis).toMatchObject({ tick0: 0, dtick: 1 });
    const long = {
      epoch: Array.from({ length: 40 }, (_, i) => i),
      history: { loss: Array.from({ length: 40 }, (_, i) => 1 / (i + 1)) },
    };
    expect(figureOf(trainingCurves(long).bundle()).layout.xaxis).toMatchObject({ dtick: 5 });
  });

  it("draws train curves alone when there was no validation", () => {
    const { data } = figureOf(trainingCurves({ epoch: [0], history: { loss: [1] } }).bundle());
    expect(data.map((t) => t.name)).toEqual(["train"]);
  });

  it("says what to do with an empty history", () => {
    expect(() => trainingCurves({ epoch: [], history: {} })).toThrow("train with model.fit first");
  });
});
