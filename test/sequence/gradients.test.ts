/** Gradients through time and through attention, against central finite differences (float64 reference). */
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { unroll } from "../../runtime/keras/recurrent/unroll";
import { expectLayerGradientsMatch } from "./support";

const MASK = [
  [1, 1, 1, 0],
  [1, 1, 1, 1],
];

describe("backpropagation through time matches finite differences", () => {
  const cases = [
    ["SimpleRNN", () => layers.SimpleRNN(3, { returnSequences: true })],
    [
      "SimpleRNN (relu, no bias, goBackwards)",
      () => layers.SimpleRNN(3, { activation: "relu", useBias: false, goBackwards: true }),
    ],
    ["LSTM", () => layers.LSTM(3, { returnSequences: true })],
    ["LSTM (last output, goBackwards)", () => layers.LSTM(3, { goBackwards: true })],
    ["GRU (resetAfter)", () => layers.GRU(3, { returnSequences: true })],
    ["GRU (resetAfter false, composed from ops)", () => layers.GRU(3, { resetAfter: false, returnSequences: true })],
    ["Bidirectional LSTM (concat)", () => layers.Bidirectional(layers.LSTM(2, { returnSequences: true }))],
    ["Bidirectional GRU (ave)", () => layers.Bidirectional(layers.GRU(2), { mergeMode: "ave" })],
  ] as const;
  for (const [name, make] of cases) {
    it(`${name}: input, kernels and biases`, () => {
      nn.seed(5);
      const layer = make();
      const x = nn.randn([2, 4, 3]);
      layer(x);
      expectLayerGradientsMatch(layer, [x], (input) => layer(input));
    });
  }

  it("LSTM and SimpleRNN with a padding mask and initial states: masked steps pass state and gradient through", () => {
    nn.seed(6);
    const mask = nn.tensor(MASK);
    for (const layer of [layers.LSTM(2, { returnSequences: true }), layers.SimpleRNN(2, { returnSequences: true })]) {
      const x = nn.randn([2, 4, 3]);
      const states = layer instanceof keras.layers.LSTM ? [nn.randn([2, 2]), nn.randn([2, 2])] : [nn.randn([2, 2])];
      layer(x);
      expectLayerGradientsMatch(layer, [x, ...states], (input, ...s) => layer(input, { mask, initialState: s }));
    }
  });

  it("the fused scan and the step composed from tensor ops give the same outputs and gradients", () => {
    nn.seed(7);
    const mask = nn.tensor(MASK);
    for (const layer of [layers.SimpleRNN(3), layers.LSTM(3), layers.GRU(3)]) {
      const x = nn.randn([2, 4, 3]);
      layer(x);
      const gradients = (composed: boolean) => {
        const input = nn.tensor(x.dataSync(), [2, 4, 3], { requiresGrad: true });
        for (const w of layer.weights) w.value.zeroGrad();
        const out = unroll(layer.cell, input, { mask, goBackwards: true, composed }).sequence;
        out.mul(nn.arange(out.size).reshape(out.shape).cast("float32")).sum().backward();
        return [out, input.grad!, ...layer.weights.map((w) => w.value.grad!)].map((t) => Array.from(t.dataSync()));
      };
      const fused = gradients(false);
      const composed = gradients(true);
      fused.forEach((values, i) => values.forEach((v, j) => expect(v).toBeCloseTo(composed[i][j], 4)));
    }
  });
});

describe("attention gradients match finite differences", () => {
  it("MultiHeadAttention (2 heads, cross-attention, causal mask) for query, value, key and all eight weights", () => {
    nn.seed(8);
    const mha = layers.MultiHeadAttention({ numHeads: 2, keyDim: 2 });
    const [q, v, k] = [nn.randn([2, 3, 4]), nn.randn([2, 4, 4]), nn.randn([2, 4, 4])];
    mha(q, v, k);
    expectLayerGradientsMatch(mha, [q, v, k], (query, value, key) => mha(query, value, key, { useCausalMask: true }));
  });

  it("LayerNormalization for the input, gamma and beta", () => {
    nn.seed(9);
    const norm = layers.LayerNormalization();
    const x = nn.randn([3, 2, 5]);
    norm(x);
    nn.noGrad(() => norm.gamma!.value.assign(nn.randn([5])));
    expectLayerGradientsMatch(norm, [x], (input) => norm(input));
  });

  it("Attention and AdditiveAttention for query, value and their scale", () => {
    nn.seed(10);
    for (const layer of [layers.Attention({ useScale: true }), layers.AdditiveAttention()]) {
      const [q, v] = [nn.randn([2, 3, 4]), nn.randn([2, 5, 4])];
      layer([q, v]);
      expectLayerGradientsMatch(layer, [q, v], (query: Tensor, value: Tensor) => layer([query, value]));
    }
  });
});
