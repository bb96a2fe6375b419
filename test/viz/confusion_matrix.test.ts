import { beforeEach, describe, expect, it } from "vitest";
import { confusionMatrix } from "../../runtime/viz/confusion_matrix";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";
import { figureOf } from "./decode";

describe("viz.confusionMatrix", () => {
  beforeEach(() => resetPlotlyCarrier());

  it("counts (true, predicted) pairs, true classes down and predictions across, each count printed in its cell", () => {
    const output = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0], { classNames: ["cat", "dog", "eel"] });
    const { data, layout } = figureOf(output.bundle());
    expect(data[0]).toMatchObject({
      type: "heatmap",
      z: [
        [1, 1, 0],
        [0, 1, 0],
        [1, 0, 2],
      ],
      texttemplate: "%{z}",
    });
    expect(layout.xaxis).toMatchObject({ title: { text: "predicted" }, ticktext: ["cat", "dog", "eel"] });
    expect(layout.yaxis).toMatchObject({ title: { text: "true" }, autorange: "reversed" });
    expect(String(output)).toBe(
      [
        "confusion matrix: 6 samples, 3 classes, accuracy 66.7%",
        "  t\\p  cat  dog  eel",
        "  cat    1    1    0",
        "  dog    0    1    0",
        "  eel    1    0    2",
      ].join("\n"),
    );
  });

  it("takes one-hot truth and predicted probabilities", () => {
    const { data } = figureOf(
      confusionMatrix(
        [
          [1, 0],
          [0, 1],
        ],
        [
          [0.9, 0.1],
          [0.6, 0.4],
        ],
      ).bundle(),
    );
    expect(data[0].z).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it("rejects mismatched lengths and classes beyond classNames", () => {
    expect(() => confusionMatrix([0, 1], [0])).toThrow("viz.confusionMatrix: yTrue has 2 samples but yPred has 1");
    expect(() => confusionMatrix([0, 3], [0, 1], { classNames: ["a", "b"] })).toThrow(
      "sample 1 has class 3, outside the 2 classNames",
    );
  });
});
