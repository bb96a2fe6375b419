import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";

/** The attention weights a layer keeps are for reading after `predict`, whose tidy scope frees everything else. */
describe("attention layers keep their latest scores past predict", () => {
  it("MultiHeadAttention.lastAttentionScores is readable after model.predict and sums to 1 over the keys", () => {
    const mha = layers.MultiHeadAttention({ numHeads: 2, keyDim: 4 });
    const input = keras.Input({ shape: [5, 8] });
    const model = keras.Model({ inputs: input, outputs: mha.apply([input, input]) });
    model.predict(nn.randn([1, 5, 8]));
    const scores = mha.lastAttentionScores!;
    expect(scores.shape).toEqual([1, 2, 5, 5]);
    const rowSums = scores.sum(-1).dataSync();
    for (const s of rowSums) expect(s).toBeCloseTo(1, 5);
  });

  it("Attention.lastAttentionScores is readable after model.predict", () => {
    const attention = layers.Attention();
    const query = keras.Input({ shape: [3, 4] });
    const value = keras.Input({ shape: [6, 4] });
    const model = keras.Model({ inputs: [query, value], outputs: attention.apply([query, value]) });
    model.predict([nn.randn([2, 3, 4]), nn.randn([2, 6, 4])]);
    expect(attention.lastAttentionScores!.shape).toEqual([2, 3, 6]);
    expect(attention.lastAttentionScores!.sum().dataSync()[0]).toBeCloseTo(6, 4);
  });

  it("a new call frees the scores kept from the previous one and leaves the tensor callWithScores returned alive", () => {
    const attention = layers.Attention();
    const x = nn.randn([1, 2, 4]);
    const [, returned] = attention.callWithScores([x, x]);
    const first = attention.lastAttentionScores!;
    attention.callWithScores([x, x]);
    expect(first.isDisposed).toBe(true);
    expect(returned.isDisposed).toBe(false);
    expect(attention.lastAttentionScores!.isDisposed).toBe(false);
  });
});
