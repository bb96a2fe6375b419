/**
 * The reference backend (the oracle for every other backend) checked against
 * hand-worked examples and naive definitions written independently here.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";
import { erf } from "../../runtime/backend/reference";
import type { Tensor } from "../../runtime/tensor";
import { expectClose } from "./backend_conformance";

const exact = { atol: 1e-5, rtol: 1e-5 };

beforeAll(() => nn.setBackend("reference"));

/** conv2d by its definition: out[b,oy,ox,o] = sum over taps and channels of x[b, oy*s - pad + fy*d, ...] * f[fy,fx,c,o]. */
function naiveConv2d(
  x: Float32Array,
  [n, h, w, c]: number[],
  f: Float32Array,
  [kh, kw, , o]: number[],
  s: number,
  padding: "valid" | "same",
  d: number,
): { values: Float64Array; shape: number[] } {
  const span = (k: number): number => (k - 1) * d + 1;
  // TensorFlow's documented rule for "same": out = ceil(in / s), total padding split with the extra pixel at the end.
  const oh = padding === "same" ? Math.ceil(h / s) : Math.floor((h - span(kh)) / s) + 1;
  const ow = padding === "same" ? Math.ceil(w / s) : Math.floor((w - span(kw)) / s) + 1;
  const top = padding === "same" ? Math.floor(Math.max((oh - 1) * s + span(kh) - h, 0) / 2) : 0;
  const left = padding === "same" ? Math.floor(Math.max((ow - 1) * s + span(kw) - w, 0) / 2) : 0;
  const out = new Float64Array(n * oh * ow * o);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let oc = 0; oc < o; oc++) {
          let acc = 0;
          for (let fy = 0; fy < kh; fy++)
            for (let fx = 0; fx < kw; fx++)
              for (let ic = 0; ic < c; ic++) {
                const iy = oy * s - top + fy * d;
                const ix = ox * s - left + fx * d;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += x[((b * h + iy) * w + ix) * c + ic] * f[((fy * kw + fx) * c + ic) * o + oc];
              }
          out[((b * oh + oy) * ow + ox) * o + oc] = acc;
        }
  return { values: out, shape: [n, oh, ow, o] };
}

function values(t: Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

describe("reference conv2d", () => {
  beforeEach(() => nn.seed(99));

  it("computes aw + bx + ey + fz at the top-left of a 4x4 image with a 2x2 kernel (hand-worked)", () => {
    // image a..p = 1..16 row by row; kernel [[w, x], [y, z]] = [[2, 3], [5, 7]]
    const image = nn.tensor(nn.arange(1, 17).cast("float32").dataSync(), [1, 4, 4, 1]);
    const kernel = nn.tensor([2, 3, 5, 7], [2, 2, 1, 1]);
    const out = nn.conv2d(image, kernel);
    expect(out.shape).toEqual([1, 3, 3, 1]);
    const [a, b, e, f] = [1, 2, 5, 6];
    const [w, x, y, z] = [2, 3, 5, 7];
    const pixel = (i: number, j: number): number => i * 4 + j + 1;
    const rows = [0, 1, 2].map((i) =>
      [0, 1, 2].map((j) => [pixel(i, j) * w + pixel(i, j + 1) * x + pixel(i + 1, j) * y + pixel(i + 1, j + 1) * z]),
    );
    expect(out.toArray()).toEqual([rows]);
    expect(rows[0][0][0]).toBe(a * w + b * x + e * y + f * z);
  });

  it("pads 'same' with the odd pixel at the bottom/right, as TensorFlow", () => {
    // 2x2 image, 2x2 kernel of ones, stride 1: padding total 1, all of it after; bottom-right output sees only d.
    const out = nn.conv2d(nn.tensor([1, 2, 3, 4], [1, 2, 2, 1]), nn.ones([2, 2, 1, 1]), { padding: "same" });
    expect(out.toArray()).toEqual([
      [
        [[10], [6]],
        [[7], [4]],
      ],
    ]);
  });

  const shapes: [string, number[], number[]][] = [
    ["small", [2, 7, 6, 3], [3, 2, 3, 4]],
    ["MNIST first layer", [2, 28, 28, 1], [3, 3, 1, 8]],
    ["MNIST second layer", [1, 13, 13, 32], [3, 3, 32, 16]],
  ];
  for (const [label, xShape, fShape] of shapes) {
    for (const strides of [1, 2, 3]) {
      for (const padding of ["valid", "same"] as const) {
        for (const dilations of [1, 2]) {
          it(`matches the direct formula: ${label} strides ${strides} padding ${padding} dilations ${dilations}`, () => {
            const x = nn.randn(xShape);
            const f = nn.randn(fShape);
            const want = naiveConv2d(values(x), xShape, values(f), fShape, strides, padding, dilations);
            const got = nn.conv2d(x, f, { strides, padding, dilations });
            expect(got.shape).toEqual(want.shape);
            expectClose(values(got), want.values, exact);
          });
        }
      }
    }
  }
});

describe("reference matmul, pooling and erf", () => {
  beforeEach(() => nn.seed(5));

  it("matmul matches the triple-loop definition on odd sizes", () => {
    const [m, k, n] = [7, 13, 5];
    const a = nn.randn([m, k]);
    const b = nn.randn([k, n]);
    const [av, bv] = [values(a), values(b)];
    const want = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) want[i * n + j] += av[i * k + p] * bv[p * n + j];
    expectClose(values(nn.matmul(a, b)), want, exact);
  });

  it("maxPool2d and avgPool2d match window definitions, ignoring padding", () => {
    const x = nn.randn([1, 5, 5, 2]);
    const xv = values(x);
    const max = values(nn.maxPool2d(x, 3, { strides: 2, padding: "same" }));
    const avg = values(nn.avgPool2d(x, 3, { strides: 2, padding: "same" }));
    // ceil(5/2) = 3 outputs; total pad (3-1)*2 + 3 - 5 = 2, one before.
    for (let oy = 0; oy < 3; oy++)
      for (let ox = 0; ox < 3; ox++)
        for (let c = 0; c < 2; c++) {
          const taps: number[] = [];
          for (let wy = 0; wy < 3; wy++)
            for (let wx = 0; wx < 3; wx++) {
              const [iy, ix] = [oy * 2 - 1 + wy, ox * 2 - 1 + wx];
              if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5) taps.push(xv[(iy * 5 + ix) * 2 + c]);
            }
          const at = (oy * 3 + ox) * 2 + c;
          expect(max[at]).toBeCloseTo(Math.max(...taps), 6);
          expect(avg[at]).toBeCloseTo(taps.reduce((p, q) => p + q, 0) / taps.length, 6);
        }
  });

  it("erf matches tabulated values to 1e-12", () => {
    const table: [number, number][] = [
      [0, 0],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3.5, 0.9999992569016276],
      [-1, -0.8427007929497149],
    ];
    for (const [x, want] of table) expect(Math.abs(erf(x) - want)).toBeLessThan(1e-12);
  });
});
