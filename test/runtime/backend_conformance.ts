/**
 * The backend conformance suite: every primitive of a backend against the
 * float64 reference, on random inputs including broadcasting edge cases,
 * size-1 and empty axes, and sizes that do not divide tile sizes. A backend's
 * test file calls it once:
 *
 *   backendConformance("gpujs (cpu mode)", () => new GpuJsBackend({ mode: "cpu" }), { atol: 1e-5, rtol: 1e-4 });
 */
import { describe, expect, it } from "vitest";
import type { Backend, BinaryOp, DType, Pool2DGeometry, ReduceOp, Shape, UnaryOp } from "../../runtime/backend/backend";
import { sizeOf } from "../../runtime/backend/backend";
import { ReferenceBackend } from "../../runtime/backend/reference";
import { conv2dGeometry, outputAndPad, type Padding } from "../../runtime/ops/conv";

export interface Tolerance {
  /** Allowed |got - expected| is atol + rtol * |expected|. */
  atol: number;
  rtol: number;
}

/** An input given to both backends: values and dtype. */
interface Input {
  values: Float32Array | Int32Array;
  dtype: DType;
}

export function backendConformance(label: string, create: () => Backend, tolerance: Tolerance): void {
  describe(`backend conformance: ${label} matches the float64 reference`, () => {
    const reference = new ReferenceBackend();
    let subject: Backend;
    const ready = (): Backend => (subject ??= create());

    /** Runs `kernel` on both backends with the same inputs and compares the outputs. */
    const check = (
      inputs: Input[],
      outDtype: DType,
      outSize: number,
      kernel: (b: Backend, h: object[]) => object,
      tol = tolerance,
    ): void => {
      const run = (b: Backend): Float32Array | Int32Array => {
        const handles = inputs.map((x) => b.upload(x.values, x.dtype));
        const out = kernel(b, handles);
        const data = b.read(out, outSize, outDtype);
        // The round-trip checks return an input itself; each handle is disposed exactly once.
        if (!handles.includes(out)) b.dispose(out);
        handles.forEach((h) => b.dispose(h));
        return data;
      };
      expectClose(run(ready()), run(reference), tol);
    };
    const f32 = (n: number, low = -2, high = 2): Input => ({ values: randomFloats(n, low, high), dtype: "float32" });
    const i32 = (values: number[]): Input => ({ values: Int32Array.from(values), dtype: "int32" });

    it("reports its name, mode, threads and SIMD", () => {
      const info = ready().info();
      expect(info.name).toBe(ready().name);
      expect(typeof info.mode).toBe("string");
      expect(info.threads).toBeGreaterThanOrEqual(1);
      expect(typeof info.simd).toBe("boolean");
    });

    it("upload and read round-trip float32 and int32 data, including empty storage", () => {
      check([f32(37)], "float32", 37, (_b, [h]) => h);
      check([i32([0, -5, 2 ** 30, 7])], "int32", 4, (_b, [h]) => h);
      check([f32(0)], "float32", 0, (_b, [h]) => h);
    });

    it("roundToFloat32 leaves exactly the float32 values of the data, whatever precision it keeps", () => {
      const b = ready();
      const values = Float64Array.of(0.1, 1 / 3, -2.5, 1e-8, 123456.789);
      const h = b.upload(values, "float32");
      const rounded = b.roundToFloat32(h, values.length);
      expect(Array.from(b.readFloat64(rounded, values.length, "float32"))).toEqual(Array.from(values, Math.fround));
      if (rounded !== h) b.dispose(rounded);
      b.dispose(h);
    });

    it("cast truncates float32 toward zero and widens int32", () => {
      check([{ values: Float32Array.of(1.7, -1.7, 0, 3, -0.2), dtype: "float32" }], "int32", 5, (b, [h]) =>
        b.cast(h, 5, "float32", "int32"),
      );
      check([i32([-3, 0, 9])], "float32", 3, (b, [h]) => b.cast(h, 3, "int32", "float32"));
    });

    const unaryDomains: [UnaryOp, number, number, number?][] = [
      ["neg", -3, 3],
      ["abs", -3, 3],
      ["exp", -5, 5],
      ["log", 0.01, 10],
      ["sqrt", 0, 10],
      ["square", -3, 3],
      ["reciprocal", 0.1, 5],
      ["sign", -2, 2],
      ["tanh", -5, 5],
      ["sigmoid", -30, 30],
      ["relu", -2, 2],
      ["leakyRelu", -2, 2, 0.2],
      ["elu", -3, 3, 1.3],
      ["erf", -4, 4],
      ["softplus", -40, 40],
      ["sin", -6, 6],
      ["cos", -6, 6],
      ["floor", -5, 5],
      ["ceil", -5, 5],
      ["round", -5, 5],
    ];
    for (const [op, low, high, alpha] of unaryDomains) {
      it(`unary ${op} on 1031 values`, () => {
        check([f32(1031, low, high)], "float32", 1031, (b, [h]) => b.unary(op, h, 1031, alpha));
      });
    }

    it("unary round sends halves away from zero", () => {
      check([{ values: Float32Array.of(0.5, -0.5, 1.5, -2.5, 2.4), dtype: "float32" }], "float32", 5, (b, [h]) =>
        b.unary("round", h, 5),
      );
    });

    const broadcastCases: [Shape, Shape][] = [
      [
        [5, 7],
        [5, 7],
      ],
      [
        [3, 1, 5],
        [4, 1],
      ],
      [[1], [6, 5]],
      [[], [2, 3]],
      [[2, 0, 3], [3]],
      [[33, 17], [17]],
      [[1, 1, 1], [1]],
      // Trailing axes repeated along leading ones (a bias), with leading 1s, and big enough to split across threads.
      [
        [4, 6, 9],
        [1, 6, 9],
      ],
      [[600, 256], [256]],
    ];
    const binaryOps: BinaryOp[] = [
      "add",
      "sub",
      "mul",
      "div",
      "pow",
      "maximum",
      "minimum",
      "eq",
      "ne",
      "lt",
      "le",
      "gt",
      "ge",
    ];
    for (const op of binaryOps) {
      it(`binary ${op} with broadcasting, scalars, size-1 and empty axes`, () => {
        for (const [aShape, bShape] of broadcastCases) {
          const outShape = broadcast(aShape, bShape);
          const positiveBase = op === "pow";
          // Small integers make the comparisons meet equal values.
          const a = op.length === 2 ? ints(sizeOf(aShape), 3) : f32(sizeOf(aShape), positiveBase ? 0.1 : -2, 2);
          const b = op.length === 2 ? ints(sizeOf(bShape), 3) : f32(sizeOf(bShape), op === "div" ? 0.5 : -2, 2);
          check([a, b], "float32", sizeOf(outShape), (be, [ha, hb]) => be.binary(op, ha, aShape, hb, bShape, outShape));
          check([b, a], "float32", sizeOf(outShape), (be, [hb, ha]) => be.binary(op, hb, bShape, ha, aShape, outShape));
        }
      });
    }

    it("where selects with a broadcast condition", () => {
      const outShape = [4, 3, 5];
      check([ints(15, 2), f32(5), f32(60)], "float32", 60, (b, [c, x, y]) =>
        b.where(c, [3, 5], x, [5], y, outShape, outShape),
      );
    });

    const reduceOps: ReduceOp[] = ["sum", "prod", "max", "min"];
    const reduceCases: [Shape, number[]][] = [
      [[7], [0]],
      [[4, 5], [1]],
      [[4, 5], [0]],
      [
        [3, 4, 5],
        [0, 2],
      ],
      [
        [2, 3, 4, 5],
        [1, 2, 3],
      ],
      [[3, 1, 4], [1]],
      [[3, 0, 4], [1]],
      [
        [3, 0, 4],
        [0, 2],
      ],
      [
        [129, 33],
        [0, 1],
      ],
    ];
    for (const op of reduceOps) {
      it(`reduce ${op} over single, several, size-1 and empty axes`, () => {
        for (const [shape, axes] of reduceCases) {
          const outSize = sizeOf(shape.filter((_, i) => !axes.includes(i)));
          const range = op === "prod" ? 1.1 : 2;
          check(
            [f32(sizeOf(shape), op === "prod" ? 0.9 : -range, range)],
            "float32",
            outSize,
            (b, [h]) => b.reduce(op, h, shape, axes),
            {
              atol: tolerance.atol * 10,
              rtol: tolerance.rtol * 10,
            },
          );
        }
      });
    }

    it("argmax and argmin pick the first of tied values", () => {
      for (const op of ["argmax", "argmin"] as const) {
        for (const [shape, axis] of [
          [[4, 7], 1],
          [[4, 7], 0],
          [[2, 3, 5], 1],
          [[1], 0],
        ] as [Shape, number][]) {
          const outSize = sizeOf(shape) / shape[axis];
          check([ints(sizeOf(shape), 3)], "int32", outSize, (b, [h]) => b.argReduce(op, h, shape, axis));
        }
      }
    });

    it("matmul with every transpose flag, shared operands and odd sizes", () => {
      const cases: [number, number, number, number][] = [
        [1, 2, 3, 4],
        [3, 17, 33, 65],
        [2, 1, 1, 1],
        [1, 64, 64, 64],
        [1, 5, 0, 3],
      ];
      for (const [batch, m, k, n] of cases) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const [aBatch, bBatch] of [
              [batch, batch],
              [1, batch],
              [batch, 1],
            ]) {
              const aShape: [number, number, number] = transA ? [aBatch, k, m] : [aBatch, m, k];
              const bShape: [number, number, number] = transB ? [bBatch, n, k] : [bBatch, k, n];
              check([f32(sizeOf(aShape)), f32(sizeOf(bShape))], "float32", batch * m * n, (b, [ha, hb]) =>
                b.matmul(ha, aShape, hb, bShape, transA, transB, batch),
              );
            }
          }
        }
      }
    });

    const convCases: { x: number[]; f: number[]; strides: number; padding: Padding; dilations: number }[] = [];
    for (const strides of [1, 2, 3]) {
      for (const padding of ["valid", "same"] as const) {
        for (const dilations of [1, 2])
          convCases.push({ x: [2, 7, 6, 3], f: [3, 2, 3, 4], strides, padding, dilations });
      }
    }
    convCases.push(
      {
        x: [1, 5, 5, 2],
        f: [2, 2, 2, 3],
        strides: 1,
        padding: [
          [1, 2],
          [0, 1],
        ],
        dilations: 1,
      },
      { x: [4, 28, 28, 1], f: [3, 3, 1, 32], strides: 1, padding: "valid", dilations: 1 },
      { x: [2, 13, 13, 32], f: [3, 3, 32, 64], strides: 1, padding: "valid", dilations: 1 },
    );
    for (const c of convCases) {
      const name = `[${c.x.join(",")}] * [${c.f.join(",")}] strides ${c.strides} padding ${JSON.stringify(c.padding)} dilations ${c.dilations}`;
      it(`conv2d and both backprops: ${name}`, () => {
        const g = conv2dGeometry("conformance", c.x, c.f, c);
        const ySize = g.batch * g.outHeight * g.outWidth * g.outChannels;
        const loose = { atol: tolerance.atol * 10, rtol: tolerance.rtol * 10 };
        check([f32(sizeOf(c.x)), f32(sizeOf(c.f))], "float32", ySize, (b, [x, f]) => b.conv2d(x, f, g), loose);
        check(
          [f32(ySize), f32(sizeOf(c.f))],
          "float32",
          sizeOf(c.x),
          (b, [dy, f]) => b.conv2dBackpropInput(dy, f, g),
          loose,
        );
        check(
          [f32(sizeOf(c.x)), f32(ySize)],
          "float32",
          sizeOf(c.f),
          (b, [x, dy]) => b.conv2dBackpropFilter(x, dy, g),
          loose,
        );
      });
    }

    const poolCases: [number[], number, number, "valid" | "same"][] = [
      [[2, 6, 6, 3], 2, 2, "valid"],
      [[2, 7, 5, 2], 2, 2, "valid"],
      [[1, 7, 5, 2], 3, 2, "same"],
      [[1, 4, 4, 1], 3, 1, "same"],
      [[4, 26, 26, 32], 2, 2, "valid"],
    ];
    for (const [shape, window, stride, padding] of poolCases) {
      it(`pool2d max and avg with their gradients: [${shape.join(",")}] window ${window} stride ${stride} ${padding}`, () => {
        const g = poolGeometry(shape, window, stride, padding);
        const ySize = g.batch * g.outHeight * g.outWidth * g.channels;
        for (const op of ["max", "avg"] as const)
          check([f32(sizeOf(shape))], "float32", ySize, (b, [x]) => b.pool2d(op, x, g));
        check([f32(ySize), f32(sizeOf(shape))], "float32", sizeOf(shape), (b, [dy, x]) =>
          b.maxPool2dBackward(dy, x, g),
        );
        check([f32(ySize)], "float32", sizeOf(shape), (b, [dy]) => b.avgPool2dBackward(dy, g));
      });
    }

    it("strided reads transposes, broadcasts, stepped slices and int32 data", () => {
      check([f32(24)], "float32", 24, (b, [h]) =>
        b.strided(h, "float32", { shape: [4, 3, 2], strides: [1, 8, 4], offset: 0 }),
      );
      check([f32(3)], "float32", 15, (b, [h]) =>
        b.strided(h, "float32", { shape: [5, 3], strides: [0, 1], offset: 0 }),
      );
      check([f32(30)], "float32", 6, (b, [h]) =>
        b.strided(h, "float32", { shape: [2, 3], strides: [12, 2], offset: 7 }),
      );
      check([i32([1, 2, 3, 4, 5, 6])], "int32", 6, (b, [h]) =>
        b.strided(h, "int32", { shape: [3, 2], strides: [1, 3], offset: 0 }),
      );
      check([f32(6)], "float32", 0, (b, [h]) => b.strided(h, "float32", { shape: [0, 3], strides: [3, 1], offset: 0 }));
    });

    it("pad adds constant borders on every axis", () => {
      check([f32(12)], "float32", 5 * 7, (b, [h]) => b.pad(h, [3, 4], [1, 1], [1, 2], 0.5));
      check([f32(6)], "float32", 2 * 5 * 4, (b, [h]) => b.pad(h, [2, 3, 1], [0, 2, 1], [0, 0, 2], 0));
      // Five axes (more than a kernel's loop takes at once), rows longer than a vector, a -0 and a NaN border.
      check([f32(2 * 3 * 2 * 3 * 37)], "float32", 3 * 4 * 2 * 5 * 40, (b, [h]) =>
        b.pad(h, [2, 3, 2, 3, 37], [1, 0, 0, 1, 2], [0, 1, 0, 1, 1], -0),
      );
      check([f32(24)], "float32", 4 * 8, (b, [h]) => b.pad(h, [4, 6], [0, 1], [0, 1], NaN));
      check([f32(24)], "float32", 24, (b, [h]) => b.pad(h, [4, 6], [0, 0], [0, 0], 3));
      check([f32(0)], "float32", 2 * 3, (b, [h]) => b.pad(h, [0, 3], [1, 0], [1, 0], 7));
    });

    it("concat joins along any axis, for float32 and int32", () => {
      check([f32(6), f32(4), f32(2)], "float32", 12, (b, [x, y, z]) =>
        b.concat(
          [
            { data: x, shape: [2, 3] },
            { data: y, shape: [2, 2] },
            { data: z, shape: [2, 1] },
          ],
          1,
          "float32",
        ),
      );
      check([i32([1, 2]), i32([3, 4, 5, 6])], "int32", 6, (b, [x, y]) =>
        b.concat(
          [
            { data: x, shape: [1, 2] },
            { data: y, shape: [2, 2] },
          ],
          0,
          "int32",
        ),
      );
    });

    it("gather and scatterAdd agree on repeated and out-of-range indices", () => {
      const idx = [2, 0, 2, 4];
      check([f32(5 * 3), i32(idx)], "float32", 4 * 3, (b, [x, i]) => b.gather(x, [5, 3], "float32", i, 4, 0));
      check([f32(2 * 5 * 3), i32(idx)], "float32", 2 * 4 * 3, (b, [x, i]) =>
        b.gather(x, [2, 5, 3], "float32", i, 4, 1),
      );
      check([i32([10, 11, 12, 13, 14]), i32(idx)], "int32", 4, (b, [x, i]) => b.gather(x, [5], "int32", i, 4, 0));
      check([f32(2 * 4 * 3), i32([2, 0, 2, 9])], "float32", 2 * 5 * 3, (b, [u, i]) =>
        b.scatterAdd(u, i, 4, 1, [2, 5, 3]),
      );
    });
  });
}

/** Elementwise closeness with NaN equal to NaN and infinities equal to themselves. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): void {
  expect(got.length, "length").toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      expect(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)), `element ${i}: got ${g}, want ${w}`).toBe(true);
      continue;
    }
    if (Math.abs(g - w) > tol.atol + tol.rtol * Math.abs(w)) {
      expect.fail(`element ${i} of ${want.length}: got ${g}, want ${w} (tolerance atol ${tol.atol}, rtol ${tol.rtol})`);
    }
  }
}

function poolGeometry(shape: number[], window: number, stride: number, padding: "valid" | "same"): Pool2DGeometry {
  const [batch, inHeight, inWidth, channels] = shape;
  const [outHeight, padTop] = outputAndPad("conformance", "height", inHeight, window, stride, 1, padding, 0);
  const [outWidth, padLeft] = outputAndPad("conformance", "width", inWidth, window, stride, 1, padding, 1);
  return {
    batch,
    inHeight,
    inWidth,
    channels,
    outHeight,
    outWidth,
    windowHeight: window,
    windowWidth: window,
    strideHeight: stride,
    strideWidth: stride,
    padTop,
    padLeft,
  };
}

function broadcast(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
}

let lcg = 12345;
/** Deterministic uniform floats (the suite must not depend on nn.seed). */
function randomFloats(n: number, low: number, high: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    lcg = (Math.imul(lcg, 1664525) + 1013904223) >>> 0;
    out[i] = low + ((high - low) * lcg) / 2 ** 32;
  }
  return out;
}

/** Small non-negative integers as float32, for ties and equalities. */
function ints(n: number, levels: number): Input {
  return { values: Float32Array.from(randomFloats(n, 0, levels), Math.floor), dtype: "float32" };
}
