import { describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";

describe("creating tensors", () => {
  it("nn.tensor infers shapes from nested arrays and takes typed arrays with a shape", () => {
    const t = nn.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe("float32");
    expect(t.rank).toBe(2);
    expect(t.size).toBe(6);
    expect(nn.tensor(5).shape).toEqual([]);
    expect(nn.tensor(5).item()).toBe(5);
    const typed = nn.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(typed.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(nn.tensor(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(nn.tensor([1.9, -1.9], { dtype: "int32" }).toArray()).toEqual([1, -1]);
    expect(nn.tensor([]).shape).toEqual([0]);
  });

  it("stores values as float32", () => {
    expect(nn.tensor([0.1]).dataSync()[0]).toBe(Math.fround(0.1));
    expect(nn.tensor([1, 2]).dataSync()).toBeInstanceOf(Float32Array);
  });

  it("zeros, ones, full, eye, arange and linspace", () => {
    expect(nn.zeros([2]).toArray()).toEqual([0, 0]);
    expect(nn.ones([1, 2]).toArray()).toEqual([[1, 1]]);
    expect(nn.full([2], 7, { dtype: "int32" }).toArray()).toEqual([7, 7]);
    expect(nn.eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(nn.arange(4).toArray()).toEqual([0, 1, 2, 3]);
    expect(nn.arange(4).dtype).toBe("int32");
    expect(nn.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(nn.arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(nn.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it("nn.seed makes random draws repeat exactly", () => {
    nn.seed(42);
    const a = [nn.randn([50]).dataSync(), nn.rand([7]).dataSync(), nn.randint(0, 10, [9]).dataSync()];
    nn.seed(42);
    const b = [nn.randn([50]).dataSync(), nn.rand([7]).dataSync(), nn.randint(0, 10, [9]).dataSync()];
    expect(b).toEqual(a);
    nn.seed(43);
    expect(nn.randn([50]).dataSync()).not.toEqual(a[0]);
  });

  it("randn has the requested mean and spread; rand and randint stay in range", () => {
    nn.seed(1);
    const n = nn.randn([20000], { mean: 3, std: 2 });
    expect(nn.mean(n).item()).toBeCloseTo(3, 1);
    expect(nn.std(n).item()).toBeCloseTo(2, 1);
    const u = nn.rand([1000], { low: -1, high: 1 }).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(1);
    const k = nn.randint(3, 6, [1000]).dataSync();
    expect(new Set(k)).toEqual(new Set([3, 4, 5]));
  });
});
