/** The teaching views: stepping a cell by hand, every step's states for viz, per-step gradients, masking. */
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { Masking } from "../../runtime/keras/layers/masking";
import { maskOf } from "../../runtime/keras/recurrent/mask";
import { hiddenStates } from "../../runtime/viz/hidden_states";

function close(a: ArrayLike<number>, b: ArrayLike<number>, digits = 5): void {
  expect(a.length).toBe(b.length);
  Array.from(a).forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
}

describe("a SimpleRNN can be run step by step", () => {
  it("cell.step(x_t, h) repeated over the sequence gives the layer's outputs, h_t = tanh(x_t K + h_{t-1} R + b)", () => {
    nn.seed(1);
    const rnn = layers.SimpleRNN(4, { returnSequences: true });
    const x = nn.randn([2, 5, 3]);
    const outputs = rnn(x);
    let h = nn.zeros([2, 4]);
    for (let t = 0; t < 5; t++) {
      h = rnn.cell.step(x.select(1, t), h);
      close(h.dataSync(), outputs.select(1, t).dataSync());
    }
    const by = nn.tanh(x.select(1, 0).matmul(rnn.cell.kernel!.value).add(rnn.cell.bias!.value));
    close(rnn.cell.step(x.select(1, 0)).dataSync(), by.dataSync());
  });

  it("LSTMCell.step and GRUCell.step take one vector and return the next states", () => {
    const lstm = layers.LSTM(3);
    const gru = layers.GRU(3);
    const x = nn.randn([1, 1, 2]);
    close(
      lstm.cell
        .step(
          nn
            .randn([2])
            .mul(0)
            .add(x.reshape([2])),
        )[0]
        .dataSync(),
      lstm(x).dataSync(),
    );
    close(gru.cell.step(x.reshape([2])).dataSync(), gru(x).dataSync());
  });
});

describe("every step's states are readable without re-running the layer by hand", () => {
  it("recurrentStates gives hidden and cell states [time, units] whose last row is the layer's output, and viz.hiddenStates draws them", () => {
    nn.seed(2);
    const lstm = layers.LSTM(4, { returnState: true });
    const x = nn.randn([1, 6, 3]);
    const [out, , c] = lstm.callWithState(x);
    const states = lstm.recurrentStates(x.reshape([6, 3]));
    expect(states.hidden.shape).toEqual([6, 4]);
    close(states.hidden.select(0, 5).dataSync(), out.dataSync());
    close(states.cell!.select(0, 5).dataSync(), c.dataSync());
    const drawn = hiddenStates(lstm, x.reshape([6, 3]));
    expect(JSON.stringify(drawn)).toContain("cell state");
  });

  it("a model reports the states of its recurrent layer, fed with what the layers before it make of the sequence, and viz.hiddenStates draws them", () => {
    nn.seed(9);
    const embedding = layers.Embedding(10, 4);
    const lstm = layers.LSTM(5, { name: "memory" });
    const model = keras.Sequential([keras.Input({ shape: [7] }), embedding, lstm, layers.Dense(2)]);
    const ids = nn.tensor([1, 2, 3, 4, 5, 6, 7]);
    const states = model.recurrentStates(ids, "memory");
    const direct = lstm.recurrentStates(embedding(ids.reshape([1, 7])));
    expect(states.hidden.shape).toEqual([7, 5]);
    close(states.hidden.dataSync(), direct.hidden.dataSync());
    close(states.cell!.dataSync(), direct.cell!.dataSync());
    close(states.hidden.select(0, 6).dataSync(), lstm(embedding(ids.reshape([1, 7]))).dataSync());
    const drawn = JSON.stringify(hiddenStates(model, ids, { layer: "memory" }));
    expect(drawn).toContain("viz.hiddenStates: memory, 7x5 (time x units)");
    expect(drawn).toContain("cell state c");
    expect(() => model.recurrentStates(ids, embedding.name)).toThrow(
      `layer "${embedding.name}" (Embedding) has no recurrent states`,
    );
  });

  it("with goBackwards the states come back in input time order", () => {
    nn.seed(3);
    const rnn = layers.GRU(3, { goBackwards: true });
    const x = nn.randn([1, 4, 2]);
    close(rnn.recurrentStates(x).hidden.select(0, 0).dataSync(), rnn(x).dataSync());
  });
});

describe("per-step gradients show how much of the loss reaches each step", () => {
  it("stepGradients() holds dL/dh_t for every t; the last step's is the loss gradient itself", () => {
    nn.seed(4);
    const rnn = layers.SimpleRNN(8);
    rnn.trackStepGradients = true;
    const x = nn.randn([4, 20, 3]);
    rnn(x).sum().backward();
    const grads = rnn.stepGradients();
    expect(grads.shape).toEqual([4, 20, 8]);
    close(grads.select(1, 19).dataSync(), new Float32Array(32).fill(1));
    const norms = rnn.stepGradientNorms();
    expect(norms).toHaveLength(20);
    expect(norms[0]).toBeLessThan(norms[19]);
  });

  it("stepGradients() without tracking explains how to turn it on", () => {
    expect(() => layers.LSTM(2).stepGradients()).toThrow(/trackStepGradients = true/);
  });
});

describe("masked (padded) steps carry the state through", () => {
  it("an LSTM on a zero-padded batch gives each sequence the output of its unpadded run, via Masking or an explicit mask", () => {
    nn.seed(5);
    const lstm = layers.LSTM(3, { returnSequences: true });
    const short = nn.randn([1, 2, 4]);
    const padded = nn.concat([short, nn.zeros([1, 3, 4])], 1);
    const alone = lstm(short);
    const viaMasking = lstm(new Masking()(padded));
    const viaOption = lstm(padded, { mask: nn.tensor([[1, 1, 0, 0, 0]]) });
    for (const out of [viaMasking, viaOption]) {
      close(out.slice([0, 0, 0], [1, 2, 3]).dataSync(), alone.dataSync());
      close(out.slice([0, 2, 0], [1, 3, 3]).dataSync(), new Float32Array(9));
    }
    const last = layers.LSTM(3);
    last(short);
    close(last(padded, { mask: nn.tensor([[1, 1, 0, 0, 0]]) }).dataSync(), last(short).dataSync());
  });

  it("Embedding({ maskZero: true }) marks id 0 as padding, so a following LSTM gives a padded sequence the output of its unpadded run", () => {
    nn.seed(8);
    const embedding = layers.Embedding(6, 3, { maskZero: true });
    const model = keras.Sequential([keras.Input({ shape: [null] }), embedding, layers.LSTM(4)]);
    const alone = model.predict(nn.tensor([[3, 1, 4]]));
    const padded = model.predict(
      nn.tensor([
        [3, 1, 4, 0, 0],
        [5, 0, 0, 0, 0],
      ]),
    );
    close(padded.select(0, 0).dataSync(), alone.dataSync());
    close(padded.select(0, 1).dataSync(), model.predict(nn.tensor([[5]])).dataSync());
    expect(maskOf(embedding(nn.tensor([[2, 0, 1]])))?.toArray()).toEqual([[1, 0, 1]]);
    expect(maskOf(layers.Embedding(6, 3)(nn.tensor([[2, 0, 1]])))).toBeNull();
    expect(embedding.getConfig().maskZero).toBe(true);
  });

  it("GlobalAveragePooling1D after Embedding({ maskZero: true }) averages the real steps only, so padding leaves the mean unchanged", () => {
    nn.seed(9);
    const embedding = layers.Embedding(6, 3, { maskZero: true });
    const model = keras.Sequential([keras.Input({ shape: [null] }), embedding, layers.GlobalAveragePooling1D()]);
    const vectors = embedding.getWeights()[0];
    const byHand = vectors.gather([3, 1, 4], 0).mean(0);
    const padded = model.predict(
      nn.tensor([
        [3, 1, 4, 0, 0],
        [0, 0, 0, 0, 0],
      ]),
    );
    close(padded.select(0, 0).dataSync(), byHand.dataSync());
    close(padded.select(0, 1).dataSync(), [0, 0, 0]);
    close(model.predict(nn.tensor([[3, 1, 4]])).dataSync(), byHand.dataSync());
    const keep = layers.GlobalAveragePooling1D({ keepdims: true })(embedding(nn.tensor([[3, 1, 4, 0]])));
    expect(keep.shape).toEqual([1, 1, 3]);
    close(keep.dataSync(), byHand.dataSync());
  });

  it("a variable-length batch: each row's final state equals running that row alone", () => {
    nn.seed(6);
    const gru = layers.GRU(3);
    const x = nn.randn([2, 4, 2]);
    const both = gru(x, {
      mask: nn.tensor([
        [1, 1, 1, 1],
        [1, 1, 0, 0],
      ]),
    });
    close(both.select(0, 1).dataSync(), gru(x.slice([1, 0, 0], [1, 2, 2])).dataSync());
    close(both.select(0, 0).dataSync(), gru(x.slice([0, 0, 0], [1, 4, 2])).dataSync());
  });

  it("MultiHeadAttention ignores keys masked as padding", () => {
    nn.seed(7);
    const mha = layers.MultiHeadAttention({ numHeads: 1, keyDim: 4 });
    const q = nn.randn([1, 2, 4]);
    const v = nn.randn([1, 3, 4]);
    const [, scores] = mha(q, new Masking()(nn.concat([v, nn.zeros([1, 1, 4])], 1)), undefined, {
      returnAttentionScores: true,
    });
    close(scores.slice([0, 0, 0, 3], [1, 1, 2, 1]).dataSync(), [0, 0]);
  });

  for (const normalizeFirst of [false, true]) {
    it(`TransformerDecoder (normalizeFirst ${normalizeFirst}) ignores padded encoder and decoder positions and passes its mask on`, () => {
      nn.seed(9);
      const decoders = [0, 1].map(() => layers.TransformerDecoder(8, 2, { normalizeFirst }));
      const run = (sequence: Tensor, encoder: Tensor) => decoders[1](decoders[0](sequence, encoder), encoder);
      const sequence = nn.randn([1, 3, 4]);
      const encoder = nn.randn([1, 2, 4]);
      const alone = run(sequence, encoder);
      // Padding after the encoder's positions, and before the decoder's (left padding, which causal attention would see).
      const paddedEncoder = new Masking()(nn.concat([encoder, nn.zeros([1, 3, 4])], 1));
      const leftPadded = new Masking()(nn.concat([nn.zeros([1, 2, 4]), sequence], 1));
      const padded = run(leftPadded, paddedEncoder);
      close(padded.slice([0, 2, 0], [1, 3, 4]).dataSync(), alone.dataSync());
      expect(maskOf(padded)?.toArray()).toEqual([[0, 0, 1, 1, 1]]);
    });
  }
});
