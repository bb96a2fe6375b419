/**
 * Output shapes and parameter counts equal Keras's for the same
 * configurations. The Keras numbers, worked out from Keras's weight shapes:
 *   SimpleRNN(32) on 8 features: 32*8 + 32*32 + 32 = 1312
 *   LSTM(32) on 8: 4 * (32*8 + 32*32 + 32) = 5248
 *   GRU(32) on 8, reset_after=True: 3 * (32*8 + 32*32 + 2*32) = 4032; reset_after=False: 3 * (32*8 + 32*32 + 32) = 3936
 *   Bidirectional(LSTM(32)) on 8: 2 * 5248 = 10496
 *   MultiHeadAttention(num_heads=2, key_dim=16) on 32-dim query and value:
 *     query, key, value kernels [32, 2, 16] + biases [2, 16]: 3 * 1056; output kernel [2, 16, 32] + bias [32]: 1056; total 4224
 *   LayerNormalization on 32: gamma + beta = 64
 *   AdditiveAttention on 16: scale [16] = 16; Attention(use_scale=True): 1
 *   keras_hub TransformerEncoder(64, 2) on 32: 4224 + 2 * 64 + (32*64 + 64) + (64*32 + 32) = 8544
 *   keras_hub TransformerDecoder(64, 2) on 32 with an encoder sequence: 2 * 4224 + 3 * 64 + 4192 = 12832
 *   keras_hub PositionEmbedding(10) on 32: 320; TimeDistributed(Dense(5)) on 8: 45
 */
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";

describe("recurrent layers match Keras's shapes and parameter counts", () => {
  const cases = [
    ["SimpleRNN(32)", () => layers.SimpleRNN(32), 1312, [4, 32]],
    ["LSTM(32)", () => layers.LSTM(32), 5248, [4, 32]],
    ["GRU(32)", () => layers.GRU(32), 4032, [4, 32]],
    ["GRU(32, resetAfter false)", () => layers.GRU(32, { resetAfter: false }), 3936, [4, 32]],
    ["SimpleRNN(32, returnSequences)", () => layers.SimpleRNN(32, { returnSequences: true }), 1312, [4, 10, 32]],
    ["Bidirectional(LSTM(32))", () => layers.Bidirectional(layers.LSTM(32)), 10496, [4, 64]],
    [
      "Bidirectional(LSTM(32, returnSequences), sum)",
      () => layers.Bidirectional(layers.LSTM(32, { returnSequences: true }), { mergeMode: "sum" }),
      10496,
      [4, 10, 32],
    ],
    ["TimeDistributed(Dense(5))", () => layers.TimeDistributed(layers.Dense(5)), 45, [4, 10, 5]],
  ] as const;
  for (const [name, make, params, shape] of cases) {
    it(`${name} on [batch 4, time 10, features 8]: ${params} parameters, output [${shape.join(", ")}]`, () => {
      const layer = make();
      const y = layer(nn.randn([4, 10, 8]));
      expect(layer.countParams()).toBe(params);
      expect(y.shape).toEqual(shape);
    });
  }

  it("keeps Keras's weight names and shapes: LSTM kernel [in, 4u] (i, f, c, o), recurrent_kernel [u, 4u], bias [4u]; GRU bias [2, 3u]", () => {
    const lstm = layers.LSTM(32);
    lstm(nn.zeros([1, 2, 8]));
    expect(lstm.weights.map((w) => [w.name, w.shape])).toEqual([
      ["kernel", [8, 128]],
      ["recurrent_kernel", [32, 128]],
      ["bias", [128]],
    ]);
    const bias = lstm.cell.bias!.read();
    expect([bias[0], bias[32], bias[63], bias[64], bias[127]]).toEqual([0, 1, 1, 0, 0]);
    const gru = layers.GRU(32);
    gru(nn.zeros([1, 2, 8]));
    expect(gru.weights.map((w) => w.shape)).toEqual([
      [8, 96],
      [32, 96],
      [2, 96],
    ]);
  });

  it("a functional model infers shapes symbolically and its summary counts the recurrent weights", () => {
    const input = keras.Input({ shape: [10, 8] });
    const hidden = layers.LSTM(32, { returnSequences: true })(input);
    const output = layers.TimeDistributed(layers.Dense(3))(
      layers.Bidirectional(layers.GRU(16, { returnSequences: true }))(hidden),
    );
    const model = keras.Model({ inputs: input, outputs: output });
    expect(output.shape).toEqual([null, 10, 3]);
    expect(model.countParams()).toBe(5248 + 2 * 3 * (16 * 32 + 16 * 16 + 2 * 16) + (32 * 3 + 3));
    expect(model.predict(nn.randn([2, 10, 8])).shape).toEqual([2, 10, 3]);
  });

  it("rejects an input without a time axis, naming the layer and the shape", () => {
    expect(() => layers.LSTM(4, { name: "enc" })(nn.zeros([2, 8]))).toThrow(/LSTM "enc".*\(None, 8\)/);
  });
});

describe("attention and Transformer layers match Keras's shapes and parameter counts", () => {
  it("MultiHeadAttention(numHeads 2, keyDim 16) on 32-dim query and value: 4224 parameters, scores [batch, heads, Tq, Tv]", () => {
    const mha = layers.MultiHeadAttention({ numHeads: 2, keyDim: 16 });
    const [out, scores] = mha(nn.randn([3, 5, 32]), nn.randn([3, 7, 32]), undefined, { returnAttentionScores: true });
    expect(mha.countParams()).toBe(4224);
    expect(out.shape).toEqual([3, 5, 32]);
    expect(scores.shape).toEqual([3, 2, 5, 7]);
    expect(mha.weights.map((w) => w.path.split("/").slice(1).join("/"))).toEqual([
      "query/kernel",
      "query/bias",
      "key/kernel",
      "key/bias",
      "value/kernel",
      "value/bias",
      "attention_output/kernel",
      "attention_output/bias",
    ]);
  });

  it("MultiHeadAttention with valueDim and outputShape sizes its projections as Keras does", () => {
    const mha = layers.MultiHeadAttention({ numHeads: 4, keyDim: 8, valueDim: 6, outputShape: 10 });
    expect(mha(nn.randn([2, 3, 12]), nn.randn([2, 4, 20])).shape).toEqual([2, 3, 10]);
    expect(mha.countParams()).toBe(12 * 32 + 32 + 20 * 32 + 32 + 20 * 24 + 24 + 24 * 10 + 10);
  });

  const cases = [
    ["LayerNormalization", () => layers.LayerNormalization(), 64],
    ["PositionEmbedding(10)", () => layers.PositionEmbedding(10), 320],
    ["PositionalEncoding", () => layers.PositionalEncoding(), 0],
    ["TransformerEncoder(64, 2)", () => layers.TransformerEncoder(64, 2), 8544],
  ] as const;
  for (const [name, make, params] of cases) {
    it(`${name} on [batch 2, time 6, dim 32]: ${params} parameters, output shape unchanged`, () => {
      const layer = make();
      expect(layer(nn.randn([2, 6, 32])).shape).toEqual([2, 6, 32]);
      expect(layer.countParams()).toBe(params);
    });
  }

  it("TransformerDecoder(64, 2) with an encoder sequence: 12832 parameters; without one: 8544", () => {
    const cross = layers.TransformerDecoder(64, 2);
    expect(cross(nn.randn([2, 5, 32]), nn.randn([2, 7, 32])).shape).toEqual([2, 5, 32]);
    expect(cross.countParams()).toBe(12832);
    const self = layers.TransformerDecoder(64, 2);
    expect(self(nn.randn([2, 5, 32])).shape).toEqual([2, 5, 32]);
    expect(self.countParams()).toBe(8544);
  });

  it("Attention and AdditiveAttention: output [batch, Tq, dim], scale parameters 1 and dim", () => {
    const dot = layers.Attention({ useScale: true });
    const additive = layers.AdditiveAttention();
    for (const layer of [dot, additive])
      expect(layer([nn.randn([2, 3, 16]), nn.randn([2, 5, 16])]).shape).toEqual([2, 3, 16]);
    expect(dot.countParams()).toBe(1);
    expect(additive.countParams()).toBe(16);
  });
});
