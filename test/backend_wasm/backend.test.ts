import { beforeAll, describe, expect, it } from "vitest";
import { sizeOf, stridesOf, type Conv2DGeometry, type Pool2DGeometry, type Shape } from "../../runtime/backend/backend";
import { ReferenceBackend, type RefData } from "../../runtime/backend/reference";
import { getBackend } from "../../runtime/backend/registry";
import { WasmBackend, type WasmTensor } from "../../runtime/backend/wasm/backend";
import "../../runtime/backend/wasm/register";
import { buildWasmKernels, convGeometry, randomValues, worstError } from "./kernels_build";

// float32 storage against float64: relative error of a few float32 ulps, more for long sums.
const ELEMENTWISE_TOL = 1e-6;
const SUM_TOL = 2e-5;

const ref = new ReferenceBackend();
let wasm: WasmBackend;

function both(values: Float64Array): { w: WasmTensor; r: RefData } {
  return { w: wasm.upload(values, "float32"), r: ref.upload(values, "float32") };
}

function compare(w: WasmTensor, r: RefData, size: number, tol: number): number {
  const got = wasm.read(w, size, "float32");
  const want = ref.readFloat64(r, size);
  wasm.dispose(w);
  return worstError(got, want, tol);
}

describe("wasm backend primitives match the float64 reference", () => {
  beforeAll(() => {
    buildWasmKernels();
    wasm = new WasmBackend(2);
  });

  it("widens bytes on upload (IDX data goes in without a float32 copy): 0..255 as float32 and as int32", () => {
    const bytes = new Uint8Array([0, 1, 127, 128, 255]);
    const f = wasm.upload(bytes, "float32");
    const n = wasm.upload(bytes, "int32");
    expect(Array.from(wasm.read(f, 5, "float32"))).toEqual([0, 1, 127, 128, 255]);
    expect(Array.from(wasm.read(n, 5, "int32"))).toEqual([0, 1, 127, 128, 255]);
    [f, n].forEach((h) => wasm.dispose(h));
  });

  it('registers as "wasm" and reports its threads and SIMD', () => {
    const info = getBackend("wasm").info();
    expect(info.name).toBe("wasm");
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  it("round-trips float32 and int32 data through upload and read", () => {
    const f = wasm.upload(new Float32Array([1.5, -2, NaN]), "float32");
    expect(Array.from(wasm.read(f, 3, "float32"))).toEqual([1.5, -2, NaN]);
    const i = wasm.upload(new Int32Array([7, -3]), "int32");
    expect(Array.from(wasm.read(i, 2, "int32"))).toEqual([7, -3]);
  });

  it("keeps data and thread results right after the shared memory grows", () => {
    const before = wasm.upload(Float32Array.of(1, 2, 3), "float32");
    const filler = wasm.upload(new Float32Array(24 << 20), "float32");
    const n = 256;
    const a = both(randomValues(n * n, 20));
    const b = both(randomValues(n * n, 21));
    expect(
      compare(
        wasm.matmul(a.w, [1, n, n], b.w, [1, n, n], false, false, 1),
        ref.matmul(a.r, [1, n, n], b.r, [1, n, n], false, false, 1),
        n * n,
        SUM_TOL,
      ),
    ).toBeLessThan(1);
    expect(Array.from(wasm.read(before, 3, "float32"))).toEqual([1, 2, 3]);
    wasm.dispose(filler);
  });

  const cases: [string, Conv2DGeometry][] = [
    ["the lecture CNN's first layer (28x28x1 -> 32, 3x3)", convGeometry(3, 28, 28, 1, 32, 3, 3, 1, 0)],
    ["the lecture CNN's second layer (13x13x32 -> 64, 3x3)", convGeometry(2, 13, 13, 32, 64, 3, 3, 1, 0)],
    ["stride 2 with padding and odd channels", convGeometry(3, 9, 7, 5, 7, 3, 2, 2, 1)],
    ["dilation 2", convGeometry(2, 10, 10, 3, 6, 3, 3, 1, 2, 2)],
    ["a 1x1 filter", convGeometry(2, 5, 5, 6, 9, 1, 1, 1, 0)],
    ["a batch big enough to split across threads", convGeometry(16, 12, 12, 8, 16, 3, 3, 1, 1)],
    [
      "a filter whose im2col chunk outgrows the default scratch (3x3x20000)",
      convGeometry(1, 4, 3, 20000, 2, 3, 3, 1, 0),
    ],
    ["22 im2col chunks, summed in 8 groups for the filter gradient", convGeometry(32, 28, 28, 1, 8, 3, 3, 1, 0)],
  ];
  for (const [name, g] of cases) {
    it(`conv2d forward, input gradient and filter gradient agree for ${name}`, () => {
      const xSize = g.batch * g.inHeight * g.inWidth * g.inChannels;
      const wSize = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
      const ySize = g.batch * g.outHeight * g.outWidth * g.outChannels;
      const x = both(randomValues(xSize, 1));
      const w = both(randomValues(wSize, 2));
      const dy = both(randomValues(ySize, 3));
      expect(compare(wasm.conv2d(x.w, w.w, g), ref.conv2d(x.r, w.r, g), ySize, SUM_TOL)).toBeLessThan(1);
      expect(
        compare(wasm.conv2dBackpropInput(dy.w, w.w, g), ref.conv2dBackpropInput(dy.r, w.r, g), xSize, SUM_TOL),
      ).toBeLessThan(1);
      expect(
        compare(wasm.conv2dBackpropFilter(x.w, dy.w, g), ref.conv2dBackpropFilter(x.r, dy.r, g), wSize, SUM_TOL * 10),
      ).toBeLessThan(1);
    });
  }

  it("computes the same filter gradient, bit for bit, every time it runs on two threads", () => {
    const g = convGeometry(32, 28, 28, 1, 8, 3, 3, 1, 0);
    const x = wasm.upload(randomValues(g.batch * g.inHeight * g.inWidth * g.inChannels, 4), "float32");
    const dy = wasm.upload(randomValues(g.batch * g.outHeight * g.outWidth * g.outChannels, 5), "float32");
    const size = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
    const runs = Array.from({ length: 8 }, () => {
      const dw = wasm.conv2dBackpropFilter(x, dy, g);
      const values = Array.from(wasm.read(dw, size, "float32"));
      wasm.dispose(dw);
      return values;
    });
    for (const run of runs.slice(1)) expect(run).toEqual(runs[0]);
    wasm.dispose(x);
    wasm.dispose(dy);
  });

  const pools: [string, Pool2DGeometry][] = [
    [
      "2x2 stride 2 (the lecture CNN)",
      {
        batch: 4,
        inHeight: 26,
        inWidth: 26,
        channels: 32,
        outHeight: 13,
        outWidth: 13,
        windowHeight: 2,
        windowWidth: 2,
        strideHeight: 2,
        strideWidth: 2,
        padTop: 0,
        padLeft: 0,
      },
    ],
    [
      "3x3 stride 2 padded, odd channels (overlapping windows)",
      {
        batch: 2,
        inHeight: 7,
        inWidth: 6,
        channels: 5,
        outHeight: 4,
        outWidth: 3,
        windowHeight: 3,
        windowWidth: 3,
        strideHeight: 2,
        strideWidth: 2,
        padTop: 1,
        padLeft: 1,
      },
    ],
  ];
  for (const [name, g] of pools) {
    it(`max and average pooling and their gradients agree for ${name}`, () => {
      const xSize = g.batch * g.inHeight * g.inWidth * g.channels;
      const ySize = g.batch * g.outHeight * g.outWidth * g.channels;
      const x = both(randomValues(xSize, 4));
      const dy = both(randomValues(ySize, 5));
      for (const op of ["max", "avg"] as const) {
        expect(compare(wasm.pool2d(op, x.w, g), ref.pool2d(op, x.r, g), ySize, ELEMENTWISE_TOL), op).toBeLessThan(1);
      }
      expect(
        compare(wasm.maxPool2dBackward(dy.w, x.w, g), ref.maxPool2dBackward(dy.r, x.r, g), xSize, ELEMENTWISE_TOL),
      ).toBeLessThan(1);
      expect(
        compare(wasm.avgPool2dBackward(dy.w, g), ref.avgPool2dBackward(dy.r, g), xSize, ELEMENTWISE_TOL),
      ).toBeLessThan(1);
    });
  }

  it("max pooling sends the gradient to the first maximum of a tied window", () => {
    const g: Pool2DGeometry = {
      batch: 1,
      inHeight: 2,
      inWidth: 2,
      channels: 1,
      outHeight: 1,
      outWidth: 1,
      windowHeight: 2,
      windowWidth: 2,
      strideHeight: 2,
      strideWidth: 2,
      padTop: 0,
      padLeft: 0,
    };
    const x = wasm.upload(new Float32Array([1, 3, 3, 0]), "float32");
    const dy = wasm.upload(new Float32Array([5]), "float32");
    expect(Array.from(wasm.read(wasm.maxPool2dBackward(dy, x, g), 4, "float32"))).toEqual([0, 5, 0, 0]);
  });

  it("max pooling over 2x2 windows of four channels picks the first maximum of each tie pattern", () => {
    const g: Pool2DGeometry = {
      batch: 1,
      inHeight: 2,
      inWidth: 2,
      channels: 4,
      outHeight: 1,
      outWidth: 1,
      windowHeight: 2,
      windowWidth: 2,
      strideHeight: 2,
      strideWidth: 2,
      padTop: 0,
      padLeft: 0,
    };
    // Taps in row-major order, channel by channel: all tied; last two tied; middle two tied; a strict maximum last.
    const taps = [
      [1, 1, 1, 1],
      [0, 1, 2, 2],
      [0, 3, 3, 1],
      [0, 1, 2, 3],
    ];
    const x = both(Float64Array.from({ length: 16 }, (_, i) => taps[i % 4][Math.floor(i / 4)]));
    const dy = both(Float64Array.from([1, 2, 3, 4]));
    expect(
      compare(wasm.maxPool2dBackward(dy.w, x.w, g), ref.maxPool2dBackward(dy.r, x.r, g), 16, ELEMENTWISE_TOL),
    ).toBeLessThan(1);
  });

  it("max pooling with NaN in a window: forward gives NaN, the gradient skips NaN taps as the reference does", () => {
    const g: Pool2DGeometry = {
      batch: 1,
      inHeight: 2,
      inWidth: 2,
      channels: 5,
      outHeight: 1,
      outWidth: 1,
      windowHeight: 2,
      windowWidth: 2,
      strideHeight: 2,
      strideWidth: 2,
      padTop: 0,
      padLeft: 0,
    };
    const values = randomValues(20, 16);
    values[5 + 1] = NaN;
    values[10 + 1] = NaN;
    values[15 + 4] = NaN;
    const x = both(values);
    const dy = both(Float64Array.from([1, 2, 3, 4, 5]));
    expect(compare(wasm.pool2d("max", x.w, g), ref.pool2d("max", x.r, g), 5, ELEMENTWISE_TOL)).toBeLessThan(1);
    expect(
      compare(wasm.maxPool2dBackward(dy.w, x.w, g), ref.maxPool2dBackward(dy.r, x.r, g), 20, ELEMENTWISE_TOL),
    ).toBeLessThan(1);
  });

  it("batched matmul with transposes and a broadcast operand", () => {
    const a = both(randomValues(3 * 17 * 9, 6));
    const b = both(randomValues(9 * 65, 7));
    for (const [tA, tB] of [
      [false, false],
      [true, true],
    ] as const) {
      const aShape = [3, tA ? 9 : 17, tA ? 17 : 9] as const;
      const bShape = [1, tB ? 65 : 9, tB ? 9 : 65] as const;
      expect(
        compare(
          wasm.matmul(a.w, aShape, b.w, bShape, tA, tB, 3),
          ref.matmul(a.r, aShape, b.r, bShape, tA, tB, 3),
          3 * 17 * 65,
          SUM_TOL,
        ),
        `${tA} ${tB}`,
      ).toBeLessThan(1);
    }
  });

  it("unary ops, with and without a SIMD kernel", () => {
    const x = both(randomValues(37, 8).map((v) => v * 3));
    for (const op of [
      "neg",
      "abs",
      "square",
      "relu",
      "leakyRelu",
      "elu",
      "floor",
      "ceil",
      "round",
      "sign",
      "exp",
      "tanh",
      "sigmoid",
      "erf",
      "softplus",
      "sin",
      "cos",
    ] as const) {
      expect(compare(wasm.unary(op, x.w, 37, 0.2), ref.unary(op, x.r, 37, 0.2), 37, ELEMENTWISE_TOL), op).toBeLessThan(
        1,
      );
    }
    const pos = both(randomValues(37, 9).map((v) => v + 1.5));
    for (const op of ["sqrt", "reciprocal", "log"] as const) {
      expect(compare(wasm.unary(op, pos.w, 37), ref.unary(op, pos.r, 37), 37, ELEMENTWISE_TOL), op).toBeLessThan(1);
    }
  });

  const broadcasts: [Shape, Shape, Shape][] = [
    [
      [5, 7],
      [5, 7],
      [5, 7],
    ],
    [[4, 3, 10], [10], [4, 3, 10]],
    [
      [4, 3, 10],
      [4, 3, 1],
      [4, 3, 10],
    ],
    [[], [6, 5], [6, 5]],
    [
      [2, 1, 3, 1, 5],
      [1, 4, 1, 6, 5],
      [2, 4, 3, 6, 5],
    ],
  ];
  for (const [aShape, bShape, outShape] of broadcasts) {
    it(`binary ops broadcast ${JSON.stringify(aShape)} with ${JSON.stringify(bShape)}`, () => {
      const a = both(randomValues(sizeOf(aShape), 10).map((v) => Math.round(v * 4) / 2));
      const b = both(randomValues(sizeOf(bShape), 11).map((v) => Math.round(v * 4) / 2 + 0.25));
      const n = sizeOf(outShape);
      for (const op of [
        "add",
        "sub",
        "mul",
        "div",
        "maximum",
        "minimum",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "pow",
      ] as const) {
        expect(
          compare(
            wasm.binary(op, a.w, aShape, b.w, bShape, outShape),
            ref.binary(op, a.r, aShape, b.r, bShape, outShape),
            n,
            ELEMENTWISE_TOL,
          ),
          op,
        ).toBeLessThan(1);
      }
    });
  }

  it("where broadcasts condition and both branches", () => {
    const cond = both(Float64Array.from([1, 0, 0, 1, 1, 0]));
    const a = both(randomValues(4 * 2 * 3, 15));
    const b = both(Float64Array.from([-1, -2, -3]));
    const [cShape, aShape, bShape, outShape] = [[2, 3], [4, 2, 3], [3], [4, 2, 3]];
    expect(
      compare(
        wasm.where(cond.w, cShape, a.w, aShape, b.w, bShape, outShape),
        ref.where(cond.r, cShape, a.r, aShape, b.r, bShape, outShape),
        24,
        ELEMENTWISE_TOL,
      ),
    ).toBeLessThan(1);
  });

  it("cast truncates float32 toward zero (NaN to 0) and converts int32 back exactly", () => {
    const x = wasm.upload(new Float32Array([1.7, -1.7, NaN, 3e9]), "float32");
    const i = wasm.cast(x, 4, "float32", "int32");
    expect(Array.from(wasm.read(i, 4, "int32"))).toEqual(
      Array.from(ref.cast(ref.upload(new Float32Array([1.7, -1.7, NaN, 3e9]), "float32"), 4, "float32", "int32")),
    );
    expect(Array.from(wasm.read(wasm.cast(i, 4, "int32", "float32"), 4, "float32"))).toEqual([1, -1, 0, -1294967296]);
  });

  it("elementwise ops and reductions on arrays big enough to split across threads", () => {
    const big = both(randomValues(300 * 1000, 17));
    const row = both(randomValues(1000, 18));
    const col = both(randomValues(300, 19));
    expect(
      compare(wasm.unary("relu", big.w, 300000), ref.unary("relu", big.r, 300000), 300000, ELEMENTWISE_TOL),
    ).toBeLessThan(1);
    expect(
      compare(
        wasm.binary("add", big.w, [300, 1000], row.w, [1000], [300, 1000]),
        ref.binary("add", big.r, [300, 1000], row.r, [1000], [300, 1000]),
        300000,
        ELEMENTWISE_TOL,
      ),
    ).toBeLessThan(1);
    expect(
      compare(
        wasm.binary("mul", big.w, [300, 1000], col.w, [300, 1], [300, 1000]),
        ref.binary("mul", big.r, [300, 1000], col.r, [300, 1], [300, 1000]),
        300000,
        ELEMENTWISE_TOL,
      ),
    ).toBeLessThan(1);
    expect(
      compare(
        wasm.where(big.w, [300, 1000], row.w, [1000], col.w, [300, 1], [300, 1000]),
        ref.where(big.r, [300, 1000], row.r, [1000], col.r, [300, 1], [300, 1000]),
        300000,
        ELEMENTWISE_TOL,
      ),
    ).toBeLessThan(1);
    for (const [shape, axes, outSize] of [
      [[300, 1000], [1], 300],
      [[300, 1000], [0], 1000],
      [[300000], [0], 1],
    ] as const) {
      for (const op of ["sum", "max"] as const) {
        expect(
          compare(wasm.reduce(op, big.w, shape, axes), ref.reduce(op, big.r, shape, axes), outSize, SUM_TOL * 10),
          `${op} ${shape.join(",")} ${axes.join(",")}`,
        ).toBeLessThan(1);
      }
    }
  });

  it("reductions over leading, trailing, middle, split and all axes", () => {
    const shape = [3, 4, 5, 6];
    const x = both(randomValues(sizeOf(shape), 12));
    for (const axes of [[3], [0], [1, 2], [0, 2], [0, 1, 2, 3]]) {
      const outSize = sizeOf(shape.filter((_, d) => !axes.includes(d)));
      for (const op of ["sum", "prod", "max", "min"] as const) {
        expect(
          compare(wasm.reduce(op, x.w, shape, axes), ref.reduce(op, x.r, shape, axes), outSize, SUM_TOL),
          `${op} ${axes.join(",")}`,
        ).toBeLessThan(1);
      }
    }
  });

  it("strided views (transpose, step, broadcast) and concat", () => {
    const shape = [4, 5, 6];
    const x = both(randomValues(sizeOf(shape), 13));
    const views = [
      { shape: [6, 5, 4], strides: [1, 6, 30], offset: 0 },
      { shape: [2, 5, 3], strides: [60, 6, 2], offset: 31 },
      { shape: [3, 4, 5, 6], strides: [0, ...stridesOf(shape)], offset: 0 },
    ];
    for (const v of views) {
      expect(
        compare(wasm.strided(x.w, "float32", v), ref.strided(x.r, "float32", v), sizeOf(v.shape), ELEMENTWISE_TOL),
      ).toBeLessThan(1);
    }
    const y = both(randomValues(4 * 2 * 6, 14));
    const outShape = [4, 7, 6];
    expect(
      compare(
        wasm.concat(
          [
            { data: x.w, shape },
            { data: y.w, shape: [4, 2, 6] },
          ],
          1,
          "float32",
        ),
        ref.concat(
          [
            { data: x.r, shape },
            { data: y.r, shape: [4, 2, 6] },
          ],
          1,
          "float32",
        ),
        sizeOf(outShape),
        ELEMENTWISE_TOL,
      ),
    ).toBeLessThan(1);
  });
});
