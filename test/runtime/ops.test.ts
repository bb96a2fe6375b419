/**
 * Op values (the op layer's composition of primitives) against direct
 * definitions computed here in float64, on random inputs with broadcasting
 * edge cases, size-1 and empty axes and odd sizes.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { expectClose } from "./backend_conformance";

const tol = { atol: 1e-5, rtol: 1e-5 };
const data = (t: Tensor): number[] => Array.from(t.dataSync());

beforeEach(() => nn.seed(2024));

describe("elementwise math with broadcasting", () => {
  const cases: [number[], number[], number[]][] = [
    [[2, 3], [3], [2, 3]],
    [
      [4, 1],
      [1, 5],
      [4, 5],
    ],
    [[], [3, 2], [3, 2]],
    [
      [2, 1, 3],
      [4, 1],
      [2, 4, 3],
    ],
    [
      [0, 3],
      [1, 3],
      [0, 3],
    ],
    [[1, 1], [1], [1, 1]],
  ];
  for (const [aShape, bShape, outShape] of cases) {
    it(`add, mul and maximum of [${aShape.join(",")}] and [${bShape.join(",")}] give [${outShape.join(",")}] with broadcast values`, () => {
      const a = nn.randn(aShape);
      const b = nn.randn(bShape);
      const [av, bv] = [data(a), data(b)];
      const at = (v: number[], shape: number[], index: number[]): number => {
        let flat = 0;
        shape.forEach((d, i) => (flat = flat * d + (d === 1 ? 0 : index[index.length - shape.length + i])));
        return v[flat];
      };
      const want = { add: [] as number[], mul: [] as number[], maximum: [] as number[] };
      const size = outShape.reduce((p, q) => p * q, 1);
      for (let flat = 0; flat < size; flat++) {
        const index: number[] = [];
        let rest = flat;
        for (let i = outShape.length - 1; i >= 0; i--) {
          index.unshift(rest % outShape[i]);
          rest = Math.floor(rest / outShape[i]);
        }
        const [x, y] = [at(av, aShape, index), at(bv, bShape, index)];
        want.add.push(x + y);
        want.mul.push(x * y);
        want.maximum.push(Math.max(x, y));
      }
      for (const op of ["add", "mul", "maximum"] as const) {
        const out = nn[op](a, b);
        expect(out.shape).toEqual(outShape);
        expectClose(out.dataSync(), want[op], tol);
      }
    });
  }

  it("accepts numbers as scalars on either side", () => {
    expect(nn.sub(10, nn.tensor([1, 2])).toArray()).toEqual([9, 8]);
    expect(nn.tensor([1, 2]).mul(3).toArray()).toEqual([3, 6]);
  });

  it("computes int32 inputs in float32", () => {
    const out = nn.add(nn.arange(3), 0.5);
    expect(out.dtype).toBe("float32");
    expect(out.toArray()).toEqual([0.5, 1.5, 2.5]);
  });

  it("comparisons give 1 and 0", () => {
    const a = nn.tensor([1, 2, 3]);
    expect(nn.eq(a, 2).toArray()).toEqual([0, 1, 0]);
    expect(nn.ne(a, 2).toArray()).toEqual([1, 0, 1]);
    expect(nn.lt(a, 2).toArray()).toEqual([1, 0, 0]);
    expect(nn.le(a, 2).toArray()).toEqual([1, 1, 0]);
    expect(nn.gt(a, 2).toArray()).toEqual([0, 0, 1]);
    expect(nn.ge(a, 2).toArray()).toEqual([0, 1, 1]);
  });

  it("unary functions match Math on random values", () => {
    const x = nn.randn([101]);
    const xs = data(x);
    const pairs: [(t: Tensor) => Tensor, (v: number) => number][] = [
      [nn.exp, Math.exp],
      [nn.abs, Math.abs],
      [nn.tanh, Math.tanh],
      [nn.neg, (v) => -v],
      [nn.square, (v) => v * v],
      [nn.sigmoid, (v) => 1 / (1 + Math.exp(-v))],
      [nn.relu, (v) => Math.max(v, 0)],
      [nn.softplus, (v) => Math.log(1 + Math.exp(v))],
      [(t) => nn.leakyRelu(t, 0.3), (v) => (v >= 0 ? v : 0.3 * v)],
      [(t) => nn.elu(t), (v) => (v > 0 ? v : Math.exp(v) - 1)],
      [nn.sin, Math.sin],
      [nn.cos, Math.cos],
      [(t) => nn.clip(t, -0.5, 0.25), (v) => Math.min(Math.max(v, -0.5), 0.25)],
    ];
    for (const [op, f] of pairs) expectClose(op(x).dataSync(), xs.map(f), tol);
    const positive = nn.abs(x).add(0.1);
    expectClose(nn.log(positive).dataSync(), data(positive).map(Math.log), tol);
    expectClose(nn.sqrt(positive).dataSync(), data(positive).map(Math.sqrt), tol);
  });

  it("gelu is x * Phi(x) with the exact erf", () => {
    expectClose(
      nn.gelu(nn.tensor([-1, 0, 1, 2])).dataSync(),
      [-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416],
      tol,
    );
  });

  it("sigmoid and softplus stay finite for large inputs", () => {
    expect(nn.sigmoid(nn.tensor([-1000, 1000])).toArray()).toEqual([0, 1]);
    expect(nn.softplus(nn.tensor([-1000, 1000])).toArray()).toEqual([0, 1000]);
  });

  it("where broadcasts condition and branches", () => {
    const out = nn.where(nn.tensor([[1], [0]]), nn.tensor([1, 2, 3]), -1);
    expect(out.toArray()).toEqual([
      [1, 2, 3],
      [-1, -1, -1],
    ]);
  });
});

describe("reductions over any axes", () => {
  it("sum, mean, max and min over axes with and without keepDims", () => {
    const x = nn.randn([3, 4, 5]);
    const v = data(x);
    const at = (i: number, j: number, k: number): number => v[(i * 4 + j) * 5 + k];
    const over1: Record<string, number[]> = { sum: [], mean: [], max: [], min: [] };
    for (let i = 0; i < 3; i++)
      for (let k = 0; k < 5; k++) {
        const col = [0, 1, 2, 3].map((j) => at(i, j, k));
        over1.sum.push(col.reduce((p, q) => p + q));
        over1.mean.push(col.reduce((p, q) => p + q) / 4);
        over1.max.push(Math.max(...col));
        over1.min.push(Math.min(...col));
      }
    for (const op of ["sum", "mean", "max", "min"] as const) {
      expect(nn[op](x, 1).shape).toEqual([3, 5]);
      expect(nn[op](x, 1, true).shape).toEqual([3, 1, 5]);
      expectClose(nn[op](x, -2).dataSync(), over1[op], tol);
    }
    expect(nn.sum(x, [0, 2]).shape).toEqual([4]);
    expect(nn.sum(x).shape).toEqual([]);
    expectClose(nn.sum(x).dataSync(), [v.reduce((p, q) => p + q)], tol);
  });

  it("reduces empty axes to the identity and a mean over nothing to NaN", () => {
    const empty = nn.zeros([2, 0]);
    expect(nn.sum(empty, 1).toArray()).toEqual([0, 0]);
    expect(nn.max(empty, 1).toArray()).toEqual([-Infinity, -Infinity]);
    expect(Number.isNaN(nn.mean(empty).item())).toBe(true);
  });

  it("argmax and argmin give int32 indices, the first on ties", () => {
    const x = nn.tensor([
      [1, 3, 3],
      [2, 0, 0],
    ]);
    expect(nn.argmax(x).toArray()).toEqual([1, 0]);
    expect(nn.argmin(x, 1).toArray()).toEqual([0, 1]);
    expect(nn.argmax(x, 0).toArray()).toEqual([1, 0, 0]);
    expect(nn.argmax(x).dtype).toBe("int32");
  });

  it("logSumExp does not overflow and matches the definition", () => {
    expectClose(nn.logSumExp(nn.tensor([1000, 1000])).dataSync(), [1000 + Math.log(2)], tol);
    const x = nn.randn([3, 4]);
    const rows = [0, 1, 2].map((i) =>
      Math.log(
        data(x)
          .slice(i * 4, i * 4 + 4)
          .reduce((p, q) => p + Math.exp(q), 0),
      ),
    );
    expectClose(nn.logSumExp(x, 1).dataSync(), rows, tol);
    expect(nn.logSumExp(x, 1, true).shape).toEqual([3, 1]);
  });

  it("variance and std are the population statistics", () => {
    const x = nn.tensor([
      [1, 2, 3, 4],
      [2, 2, 2, 2],
    ]);
    expectClose(nn.variance(x, 1).dataSync(), [1.25, 0], tol);
    expectClose(nn.std(x, 1).dataSync(), [Math.sqrt(1.25), 0], tol);
  });

  it("softmax rows sum to 1 and logSoftmax is its log, even for large logits", () => {
    const x = nn.tensor([
      [1, 2, 3],
      [1000, 1000, 1001],
    ]);
    const p = nn.softmax(x);
    expectClose(nn.sum(p, 1).dataSync(), [1, 1], tol);
    const e = [1, 2, 3].map(Math.exp);
    const z = e.reduce((a, b) => a + b);
    expectClose(
      p.dataSync().slice(0, 3),
      e.map((v) => v / z),
      tol,
    );
    expectClose(nn.logSoftmax(x).dataSync(), data(p).map(Math.log), tol);
  });
});

describe("shape and movement ops", () => {
  it("reshape infers -1 and shares the data", () => {
    const x = nn.arange(12);
    expect(x.reshape([3, -1]).shape).toEqual([3, 4]);
    expect(x.reshape([2, 2, 3]).toArray()).toEqual([
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      [
        [6, 7, 8],
        [9, 10, 11],
      ],
    ]);
  });

  it("transpose reverses axes by default and permutes when told", () => {
    const x = nn.arange(6).reshape([2, 3]);
    expect(x.T.toArray()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    const y = nn.arange(24).reshape([2, 3, 4]);
    const p = nn.permute(y, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.toArray()).toEqual([0, 1, 2, 3].map((k) => [0, 1].map((i) => [0, 1, 2].map((j) => i * 12 + j * 4 + k))));
  });

  it("squeeze and expandDims add and remove size-1 axes", () => {
    const x = nn.zeros([1, 3, 1]);
    expect(nn.squeeze(x).shape).toEqual([3]);
    expect(nn.squeeze(x, -1).shape).toEqual([1, 3]);
    expect(nn.expandDims(x, -1).shape).toEqual([1, 3, 1, 1]);
    expect(nn.expandDims(nn.zeros([3]), 0).shape).toEqual([1, 3]);
  });

  it("slice, stridedSlice and select take windows", () => {
    const x = nn.arange(20).reshape([4, 5]);
    expect(nn.slice(x, [1, 2], [2, -1]).toArray()).toEqual([
      [7, 8, 9],
      [12, 13, 14],
    ]);
    expect(nn.stridedSlice(x, [undefined, 1], [undefined, undefined], [3, 2]).toArray()).toEqual([
      [1, 3],
      [16, 18],
    ]);
    expect(nn.stridedSlice(x, [-2], [undefined]).toArray()).toEqual([
      [10, 11, 12, 13, 14],
      [15, 16, 17, 18, 19],
    ]);
    expect(nn.select(x, 0, -1).toArray()).toEqual([15, 16, 17, 18, 19]);
    expect(nn.select(x, 1, 0).toArray()).toEqual([0, 5, 10, 15]);
  });

  it("concat, stack and split join and cut along an axis", () => {
    const a = nn.tensor([[1, 2]]);
    const b = nn.tensor([
      [3, 4],
      [5, 6],
    ]);
    expect(nn.concat([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(nn.stack([a, a], 1).shape).toEqual([1, 2, 2]);
    expect(nn.stack([nn.tensor([1, 2]), nn.tensor([3, 4])], -1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const [p, q] = nn.split(nn.arange(6).reshape([2, 3]), [1, 2], 1);
    expect(p.toArray()).toEqual([[0], [3]]);
    expect(q.toArray()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(nn.split(nn.arange(6), 3).map((t) => t.toArray())).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });

  it("pad adds constant borders", () => {
    expect(
      nn
        .pad(
          nn.tensor([[1, 2]]),
          [
            [1, 0],
            [0, 2],
          ],
          9,
        )
        .toArray(),
    ).toEqual([
      [9, 9, 9, 9],
      [1, 2, 9, 9],
    ]);
  });

  it("gather looks up rows by index with the indices' shape", () => {
    const table = nn.arange(12).reshape([4, 3]).cast("float32");
    const out = nn.gather(table, nn.tensor(new Int32Array([3, 0, 3, 1]), [2, 2]));
    expect(out.shape).toEqual([2, 2, 3]);
    expect(out.toArray()).toEqual([
      [
        [9, 10, 11],
        [0, 1, 2],
      ],
      [
        [9, 10, 11],
        [3, 4, 5],
      ],
    ]);
    expect(nn.gather(table, [2, 0], 1).toArray()).toEqual([
      [2, 0],
      [5, 3],
      [8, 6],
      [11, 9],
    ]);
  });

  it("oneHot encodes int32 labels as float32 rows", () => {
    const out = nn.oneHot(nn.tensor(new Int32Array([2, 0, 1])), 3);
    expect(out.dtype).toBe("float32");
    expect(out.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(nn.oneHot([1], 2).toArray()).toEqual([[0, 1]]);
  });

  it("broadcastTo repeats along new and size-1 axes", () => {
    expect(nn.broadcastTo(nn.tensor([[1], [2]]), [2, 2, 3]).toArray()).toEqual([
      [
        [1, 1, 1],
        [2, 2, 2],
      ],
      [
        [1, 1, 1],
        [2, 2, 2],
      ],
    ]);
  });

  it("handles empty tensors through shape ops", () => {
    const e = nn.zeros([0, 3]);
    expect(nn.concat([e, nn.ones([1, 3])]).toArray()).toEqual([[1, 1, 1]]);
    expect(nn.transpose(e).shape).toEqual([3, 0]);
    expect(nn.add(e, nn.ones([3])).shape).toEqual([0, 3]);
  });
});

describe("matmul, conv2dTranspose, upsampling and dropout", () => {
  it("matmul promotes vectors as NumPy does", () => {
    const m = nn.tensor([
      [1, 2],
      [3, 4],
    ]);
    const v = nn.tensor([1, 1]);
    expect(nn.matmul(m, v).toArray()).toEqual([3, 7]);
    expect(nn.matmul(v, m).toArray()).toEqual([4, 6]);
    expect(nn.matmul(v, v).toArray()).toEqual(2);
  });

  it("batched matmul broadcasts batch axes", () => {
    const a = nn.randn([2, 1, 3, 4]);
    const b = nn.randn([5, 4, 2]);
    const out = nn.matmul(a, b);
    expect(out.shape).toEqual([2, 5, 3, 2]);
    const want = nn.matmul(nn.select(nn.select(a, 0, 1), 0, 0), nn.select(b, 0, 4));
    expectClose(nn.select(nn.select(out, 0, 1), 0, 4).dataSync(), want.dataSync(), tol);
  });

  it("conv2dTranspose scatters each input pixel times the filter (its definition)", () => {
    const x = nn.randn([1, 2, 3, 2]);
    const f = nn.randn([3, 3, 1, 2]);
    const out = nn.conv2dTranspose(x, f, { strides: 2 });
    expect(out.shape).toEqual([1, 5, 7, 1]);
    const [xv, fv] = [data(x), data(f)];
    const want = new Array<number>(5 * 7).fill(0);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let c = 0; c < 2; c++)
          for (let fy = 0; fy < 3; fy++)
            for (let fx = 0; fx < 3; fx++)
              want[(i * 2 + fy) * 7 + j * 2 + fx] += xv[(i * 3 + j) * 2 + c] * fv[(fy * 3 + fx) * 2 + c];
    expectClose(out.dataSync(), want, tol);
    expect(nn.conv2dTranspose(x, f, { strides: 2, padding: "same" }).shape).toEqual([1, 4, 6, 1]);
  });

  it("upsample2d repeats pixels (nearest neighbour)", () => {
    const out = nn.upsample2d(nn.tensor([1, 2, 3, 4], [1, 2, 2, 1]), [2, 1]);
    expect(out.reshape([4, 2]).toArray()).toEqual([
      [1, 2],
      [1, 2],
      [3, 4],
      [3, 4],
    ]);
  });

  it("dropout keeps about 1 - rate of the values, scaled, and is the identity at inference", () => {
    const x = nn.ones([100, 100]);
    const y = nn.dropout(x, 0.25);
    const v = data(y);
    const kept = v.filter((e) => e !== 0);
    expect(kept.every((e) => Math.abs(e - 1 / 0.75) < 1e-6)).toBe(true);
    expect(kept.length / v.length).toBeGreaterThan(0.72);
    expect(kept.length / v.length).toBeLessThan(0.78);
    expect(nn.dropout(x, 0.25, { training: false })).toBe(x);
  });
});
