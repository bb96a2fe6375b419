/** Keras's dropout and recurrentDropout on SimpleRNN, LSTM and GRU: variational masks, active only while training. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { RNN } from "../../runtime/keras/layers/rnn";
import { nn } from "../../runtime/nn";
import { expectLayerGradientsMatch } from "./support";

const makers = {
  SimpleRNN: (options: { dropout?: number; recurrentDropout?: number }) =>
    layers.SimpleRNN(3, { returnSequences: true, ...options }),
  LSTM: (options: { dropout?: number; recurrentDropout?: number }) =>
    layers.LSTM(3, { returnSequences: true, ...options }),
  GRU: (options: { dropout?: number; recurrentDropout?: number }) =>
    layers.GRU(3, { returnSequences: true, ...options }),
  "GRU (resetAfter false)": (options: { dropout?: number; recurrentDropout?: number }) =>
    layers.GRU(3, { returnSequences: true, resetAfter: false, ...options }),
};

/** A layer with the rates and a rate-0 copy holding the same weights. */
function withTwin(make: (o: { dropout?: number; recurrentDropout?: number }) => RNN, x: ReturnType<typeof nn.randn>) {
  const layer = make({ dropout: 0.4, recurrentDropout: 0.3 });
  const plain = make({});
  layer(x);
  plain(x);
  plain.setWeights(layer.getWeights());
  return { layer, plain };
}

describe("recurrent dropout options", () => {
  it("are typed options of SimpleRNN, LSTM and GRU, read back as the layer's cell properties", () => {
    const lstm = new keras.layers.LSTM(4, { dropout: 0.2, recurrentDropout: 0.1, returnSequences: true });
    const gru = layers.GRU(4, { dropout: 0.25 });
    const rnn = layers.SimpleRNN(4, { recurrentDropout: 0.5 });
    expect([lstm.cell.dropout, lstm.cell.recurrentDropout]).toEqual([0.2, 0.1]);
    expect([gru.cell.dropout, gru.cell.recurrentDropout]).toEqual([0.25, 0]);
    expect([rnn.cell.dropout, rnn.cell.recurrentDropout]).toEqual([0, 0.5]);
  });

  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: inference ignores the rates (predict-style call equals a rate-0 copy with the same weights)`, () => {
      nn.seed(1);
      const x = nn.randn([2, 5, 4]);
      const { layer, plain } = withTwin(make, x);
      expect(layer(x).dataSync()).toEqual(plain(x).dataSync());
      expect(layer(x, { training: false }).dataSync()).toEqual(plain(x).dataSync());
    });

    it(`${name}: training drops units, and the same nn.seed repeats the output exactly`, () => {
      nn.seed(2);
      const x = nn.randn([2, 5, 4]);
      const { layer, plain } = withTwin(make, x);
      nn.seed(7);
      const first = Array.from(layer(x, { training: true }).dataSync());
      nn.seed(7);
      const again = Array.from(layer(x, { training: true }).dataSync());
      expect(again).toEqual(first);
      expect(first).not.toEqual(Array.from(plain(x).dataSync()));
      nn.seed(8);
      expect(Array.from(layer(x, { training: true }).dataSync())).not.toEqual(first);
    });

    it(`${name}: gradients in training mode match finite differences (fixed masks)`, () => {
      nn.seed(3);
      const x = nn.randn([2, 4, 3]);
      const layer = make({ dropout: 0.3, recurrentDropout: 0.4 });
      layer(x);
      expectLayerGradientsMatch(layer, [x], (input) => {
        nn.seed(11);
        return layer(input, { training: true });
      });
    });
  }

  it("the input mask is the same at every time step: a dropped input unit contributes nothing at any step", () => {
    // Identity kernel, zero recurrent kernel, linear: h_t = x_t * mask, so with x all ones each unit reads its mask.
    nn.seed(4);
    const layer = layers.SimpleRNN(8, { activation: "linear", useBias: false, returnSequences: true, dropout: 0.5 });
    const x = nn.ones([3, 6, 8]);
    layer(x);
    layer.setWeights([nn.eye(8), nn.zeros([8, 8])]);
    const out = layer(x, { training: true }).dataSync();
    const values = new Set<number>();
    for (let b = 0; b < 3; b++) {
      for (let u = 0; u < 8; u++) {
        const first = out[b * 6 * 8 + u];
        for (let t = 1; t < 6; t++) expect(out[(b * 6 + t) * 8 + u]).toBe(first);
        values.add(first);
      }
    }
    expect([...values].sort()).toEqual([0, 2]);
  });

  it("the recurrent mask is the same at every time step: each state unit is either always dropped or always kept", () => {
    // Identity kernels, linear, x all ones: h_t = 1 + m * h_{t-1}; a dropped unit stays 1, a kept one (m = 2) runs 1, 3, 7, 15, ...
    nn.seed(5);
    const layer = layers.SimpleRNN(8, {
      activation: "linear",
      useBias: false,
      returnSequences: true,
      recurrentDropout: 0.5,
    });
    const x = nn.ones([2, 5, 8]);
    layer(x);
    layer.setWeights([nn.eye(8), nn.eye(8)]);
    const out = layer(x, { training: true }).dataSync();
    const kinds = new Set<string>();
    for (let b = 0; b < 2; b++) {
      for (let u = 0; u < 8; u++) {
        const series = Array.from({ length: 5 }, (_, t) => out[(b * 5 + t) * 8 + u]);
        const kind = series.every((v) => v === 1) ? "dropped" : "kept";
        if (kind === "kept") expect(series).toEqual([1, 3, 7, 15, 31]);
        kinds.add(kind);
      }
    }
    expect([...kinds].sort()).toEqual(["dropped", "kept"]);
  });

  it("fit trains with the masks (weights differ from a rate-0 fit) and repeats exactly under nn.seed", async () => {
    const train = async (options: { dropout?: number; recurrentDropout?: number }) => {
      nn.seed(9);
      const model = keras.Sequential([keras.Input({ shape: [4, 3] }), layers.LSTM(3, options), layers.Dense(1)]);
      model.compile({ optimizer: "sgd", loss: "mse" });
      const x = nn.randn([8, 4, 3]);
      const y = nn.randn([8, 1]);
      await model.fit(x, y, { batchSize: 4, epochs: 2, verbose: 0, shuffle: false });
      return model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    };
    const dropped = await train({ dropout: 0.3, recurrentDropout: 0.3 });
    expect(await train({ dropout: 0.3, recurrentDropout: 0.3 })).toEqual(dropped);
    expect(await train({})).not.toEqual(dropped);
  });

  describe("save and load", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-recurrent-dropout-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("getConfig keeps the rates, and a saved model loads with them", () => {
      nn.seed(6);
      const model = keras.Sequential([
        keras.Input({ shape: [5, 3] }),
        layers.LSTM(4, { dropout: 0.2, recurrentDropout: 0.3, returnSequences: true }),
        layers.GRU(3, { dropout: 0.1, resetAfter: false, returnSequences: true }),
        layers.SimpleRNN(2, { recurrentDropout: 0.25 }),
      ]);
      expect(model.layers.map((l) => [l.getConfig().dropout, l.getConfig().recurrentDropout])).toEqual([
        [0.2, 0.3],
        [0.1, 0],
        [0, 0.25],
      ]);
      const file = path.join(dir, "recurrent.safetensors");
      model.save(file);
      const loaded = keras.models.loadModel(file);
      expect(loaded.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
      const x = nn.randn([2, 5, 3]);
      expect(loaded.predict(x).dataSync()).toEqual(model.predict(x).dataSync());
    });
  });

  it("a rate outside [0, 1) is an error naming the cell, the option and the value", () => {
    expect(() => layers.LSTM(3, { dropout: 1 })).toThrow(
      "LSTMCell: dropout must be a number in [0, 1) (the fraction of units dropped while training), got 1",
    );
    expect(() => layers.GRU(3, { recurrentDropout: -0.1 })).toThrow(
      "GRUCell: recurrentDropout must be a number in [0, 1)",
    );
    expect(() => layers.SimpleRNN(3, { dropout: Number.NaN })).toThrow(
      "SimpleRNNCell: dropout must be a number in [0, 1) (the fraction of units dropped while training), got NaN",
    );
  });
});
