import { beforeEach, describe, expect, it } from "vitest";
import { hiddenStates } from "../../runtime/viz/hidden_states";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";
import type { RecurrentModel, TensorLike } from "../../runtime/viz/types";
import { fakeTensor, figureOf } from "./decode";

/** States of 3 steps x 2 units: unit u at step t is (t - 1) * (u + 1) / 2. */
const hidden = fakeTensor([1, 3, 2], [-0.5, -1, 0, 0, 0.5, 1]);
const sequence = fakeTensor([3, 1], [1, 2, 3]);

describe("viz.hiddenStates", () => {
  beforeEach(() => resetPlotlyCarrier());

  it("draws units down and time steps across, labelled with the tokens, on a scale centred at zero", () => {
    const layer = { name: "simple_rnn", className: "SimpleRNN", recurrentStates: () => ({ hidden }) };
    const output = hiddenStates(layer, sequence, { tokens: ["a", "b", "c"] });
    const { data, layout } = figureOf(output.bundle());
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({
      z: [
        [-0.5, 0, 0.5],
        [-1, 0, 1],
      ],
      zmin: -1,
      zmax: 1,
    });
    expect(layout.xaxis).toMatchObject({ title: { text: "token" }, ticktext: ["a", "b", "c"] });
    expect(layout.yaxis).toMatchObject({ title: { text: "hidden state h: unit" } });
    expect(String(output)).toBe("viz.hiddenStates: simple_rnn, 3x2 (time x units)\n  hidden state h: -1 to 1");
  });

  it("finds a model's first recurrent layer and adds a cell-state panel for an LSTM, the time axis titled once at the bottom", () => {
    const asked: string[] = [];
    const model: RecurrentModel = {
      layers: [
        { name: "embedding", className: "Embedding" },
        { name: "lstm", className: "LSTM" },
      ],
      recurrentStates(_s: TensorLike, name: string) {
        asked.push(name);
        return { hidden, cell: hidden };
      },
    };
    const { data, layout } = figureOf(hiddenStates(model, sequence).bundle());
    expect(asked).toEqual(["lstm"]);
    expect(data.map((t) => t.yaxis)).toEqual(["y", "y2"]);
    expect(layout.yaxis2).toMatchObject({ title: { text: "cell state c: unit" } });
    expect(layout.xaxis2).toMatchObject({ title: { text: "time step" } });
    expect(layout.xaxis).toMatchObject({ title: { text: "" } });
  });

  it("lists the layers when the model has no recurrent one", () => {
    const model: RecurrentModel = {
      layers: [{ name: "dense", className: "Dense" }],
      recurrentStates: () => ({ hidden }),
    };
    expect(() => hiddenStates(model, sequence)).toThrow(
      "viz.hiddenStates: the model has no recurrent layer; layers are dense (Dense)",
    );
  });
});
