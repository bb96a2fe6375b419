/** The generated sequence data sets: repeatable from their seed, and right by construction. */
import { describe, expect, it } from "vitest";
import { charText, futureTask, recallTask, reverseDigits, START_TOKEN } from "../../runtime/data/sequences";
import { nn } from "../../runtime/index";

describe("generated sequence data", () => {
  it("repeats exactly for the same seed and differs for another", () => {
    const a = recallTask({ samples: 8, seed: 3 });
    const b = recallTask({ samples: 8, seed: 3 });
    const c = recallTask({ samples: 8, seed: 4 });
    expect(Array.from(a.x.dataSync())).toEqual(Array.from(b.x.dataSync()));
    expect(Array.from(a.x.dataSync())).not.toEqual(Array.from(c.x.dataSync()));
  });

  it("recallTask labels each sequence with the token at its marked step", () => {
    const { x, y } = recallTask({ samples: 5, length: 10, classes: 3, seed: 1 });
    const rows = x.toArray(3);
    rows.forEach((steps, n) => {
      const marked = steps.findIndex((s) => s[3] === 1);
      expect(steps[marked].indexOf(1)).toBe(y.dataSync()[n]);
    });
  });

  it("futureTask labels step t with the token at t + offset", () => {
    const { x, y } = futureTask({ samples: 2, length: 6, vocab: 3, offset: 2, seed: 1 });
    const tokens = x.toArray(3).map((steps) => steps.map((s) => s.indexOf(1)));
    expect(y.toArray(2)[1].slice(0, 4)).toEqual(tokens[1].slice(2));
  });

  it("reverseDigits gives the reversed target and the decoder input behind the start token", () => {
    const { source, target, decoderInput } = reverseDigits({ samples: 1, length: 4, seed: 2 });
    const s = Array.from(source.dataSync());
    expect(Array.from(target.dataSync())).toEqual([...s].reverse());
    expect(Array.from(decoderInput.dataSync())).toEqual([START_TOKEN, ...[...s].reverse().slice(0, 3)]);
  });

  it("charText windows predict the next character and decode back to the text", () => {
    const data = charText("hello world, hello there", { seqLength: 5, step: 2 });
    expect(data.decode(data.x.slice([1, 0], [1, 5]).dataSync())).toBe("llo w");
    expect(data.decode([data.y.dataSync()[1]])).toBe("o");
    expect(() => data.encode("?")).toThrow(/not in the vocabulary/);
  });

  it("notebooks reach every generator as nn.data.sequences, and each repeats for the same seed", () => {
    const { sequences } = nn.data;
    const same = (a: { dataSync(): ArrayLike<number> }, b: { dataSync(): ArrayLike<number> }) =>
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    same(sequences.recallTask({ samples: 4, seed: 7 }).x, sequences.recallTask({ samples: 4, seed: 7 }).x);
    same(sequences.futureTask({ samples: 4, seed: 7 }).y, sequences.futureTask({ samples: 4, seed: 7 }).y);
    same(
      sequences.reverseDigits({ samples: 4, seed: 7 }).source,
      sequences.reverseDigits({ samples: 4, seed: 7 }).source,
    );
    same(sequences.charText("abcabcabd", { seqLength: 3 }).x, sequences.charText("abcabcabd", { seqLength: 3 }).x);
    expect(sequences.START_TOKEN).toBe(START_TOKEN);
  });
});
