/**
 * viz.rnnStepper in plain Node: the states it shows at step t are the layer's own states after the prefix
 * x_0..x_t (h_t, and c_t for an LSTM), the output is the model's per-step or final output, and bad input
 * is refused with the problem named.
 */
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { display, keras, layers, nn, viz } from "../../runtime";
import type { RNN } from "../../runtime/keras/layers/rnn";

function closeTo(actual: number[], expected: ArrayLike<number>): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
}

describe("viz.rnnStepper", () => {
  it("steps an LSTM: h_t and c_t are the layer's states on the prefix, the output is the step's distribution", () => {
    nn.seed(7);
    const lstm = layers.LSTM(6, { returnSequences: true });
    const model = keras.Sequential([keras.Input({ shape: [5, 3] }), lstm, layers.Dense(4, { activation: "softmax" })]);
    const sequence = nn.randn([5, 3]);
    const stepper = new viz.RnnStepper(model, sequence, { tokens: ["a", "b", "c", "d", "e"] });
    expect(stepper.time).toBe(5);
    expect(stepper.step.get("max")).toBe(4);
    stepper.next.click();
    stepper.next.click();
    const step = stepper.at();
    expect(step).toMatchObject({ step: 2, token: "c", perStep: true });
    const prefix = sequence.slice([0, 0], [3, 3]).reshape([1, 3, 3]);
    const [, h, c] = lstm.callWithState(prefix);
    closeTo(step.hidden, h.dataSync());
    closeTo(step.cell!, c.dataSync());
    const predicted = model.predict(sequence.reshape([1, 5, 3])).dataSync();
    closeTo(step.output, Array.from(predicted).slice(2 * 4, 3 * 4));
    expect(step.output.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(stepper.caption.value).toContain("lstm");
    expect(stepper.caption.value).toContain("step 2 of 4, input c");

    stepper.previous.click();
    stepper.previous.click();
    stepper.previous.click();
    expect(stepper.step.value).toBe(0);
    stepper.step.value = 4;
    stepper.next.click();
    expect(stepper.step.value).toBe(4);
    const bundle = display.bundleOf(stepper);
    const png = PNG.sync.read(Buffer.from(bundle["image/png"] as string, "base64"));
    expect(png.width).toBeGreaterThan(300);
    expect(bundle["text/plain"]).toMatch(
      /^RnnStepper: lstm \(LSTM\) step 4 of 4, input e; 6 units; output at this step: /,
    );
  });

  it("steps a GRU after an Embedding over token ids, with the model's final output, and no cell state", () => {
    nn.seed(8);
    const model = keras.Sequential([
      keras.Input({ shape: [6] }),
      layers.Embedding(10, 4),
      layers.GRU(5),
      layers.Dense(3, { activation: "softmax" }),
    ]);
    const ids = nn.tensor([1, 4, 2, 9, 0, 3]);
    const stepper = new viz.RnnStepper(model, ids, { classes: ["neg", "neutral", "pos"] });
    stepper.step.value = 3;
    const step = stepper.at();
    expect(step).toMatchObject({ step: 3, token: "9", perStep: false });
    expect(step.cell).toBeUndefined();
    const gru = model.layers[1] as RNN;
    const [x] = model.activations(ids, [model.layers[0].name]);
    const [, h] = gru.callWithState(x.slice([0, 0, 0], [1, 4, 4]));
    closeTo(step.hidden, h.dataSync());
    closeTo(step.output, model.predict(ids.reshape([1, 6])).dataSync());
    expect(display.bundleOf(stepper)["text/plain"]).toContain("final output");
  });

  it("finds the SimpleRNN of a model, and names the problem with a model without one or a sequence of the wrong shape", () => {
    nn.seed(9);
    const model = keras.Sequential([keras.Input({ shape: [4, 2] }), layers.SimpleRNN(3), layers.Dense(2)]);
    expect(new viz.RnnStepper(model, nn.randn([4, 2])).className).toBe("SimpleRNN");
    expect(() => new viz.RnnStepper(model, nn.randn([4, 5]))).toThrow(
      /viz.rnnStepper: the model could not run the sequence: .*simple_rnn/,
    );
    expect(() => new viz.RnnStepper(model, nn.randn([2, 4, 2]))).toThrow(
      "viz.rnnStepper: give one sequence ([time] token ids, [time, features] or [1, time, features]), got a batch of 2: [2, 4, 2]",
    );
    expect(() => new viz.RnnStepper(model, nn.randn([4, 2]), { tokens: ["a"] })).toThrow(
      "viz.rnnStepper: 1 tokens for a sequence of 4 steps",
    );
    const dense = keras.Sequential([keras.Input({ shape: [4] }), layers.Dense(2)]);
    expect(() => new viz.RnnStepper(dense, nn.randn([4]))).toThrow(
      /viz.rnnStepper: the model has no SimpleRNN, LSTM or GRU layer; layers are dense.* \(Dense\)/,
    );
  });
});
