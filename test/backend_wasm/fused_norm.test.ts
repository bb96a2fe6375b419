/**
 * The wasm backend's fused LayerNormalization (forward and backward) against
 * the same float32 operations composed from primitives, bit for bit (outputs
 * and every gradient, over many row lengths, with and without gamma and beta,
 * one and two threads, both SIMD builds), against the float64 reference
 * backend within a tolerance, and a TransformerEncoder's training that gives
 * the same weights, bit for bit, with and without the fused kernels.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerBackend } from "../../runtime/backend/registry";
import { WasmBackend } from "../../runtime/backend/wasm/backend";
import "../../runtime/backend/wasm/register";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import { logSoftmax, softmax } from "../../runtime/ops/activation";
import { layerNorm } from "../../runtime/ops/normalization";
import type { Tensor } from "../../runtime/tensor";
import { buildWasmKernels, randomValues, worstError } from "./kernels_build";

const FLAVOURS = ["plain", "relaxed"] as const;

beforeAll(() => {
  buildWasmKernels();
  for (const simd of FLAVOURS) {
    for (const threads of [1, 2]) {
      registerBackend({
        name: `ln-fused-${simd}-${threads}`,
        priority: -1,
        create: () => new WasmBackend(threads, { simd }),
      });
      registerBackend({
        name: `ln-composed-${simd}-${threads}`,
        priority: -1,
        create: () => new WasmBackend(threads, { simd, fused: false }),
      });
    }
  }
});
afterAll(() => void nn.setBackend("auto"));

/** The bits of float32 values, so that -0 and +0 (and NaN payloads) count as different. */
const bits = (t: Tensor | Float32Array): Uint32Array =>
  new Uint32Array(f32(t instanceof Float32Array ? t : t.dataSync()).slice().buffer);

/** A tensor's float32 data as read back, without a copy through JavaScript numbers (which may change a NaN's bits). */
function f32(data: ArrayLike<number>): Float32Array {
  if (!(data instanceof Float32Array)) throw new Error("expected float32 data");
  return data;
}

interface Case {
  shape: number[];
  gamma: boolean;
  beta: boolean;
  scale: number;
  /**
   * Also use x outside the normalization (a pre-norm residual), so that its gradient has three
   * parts, the outside one added after the normalization's two ("after") or before them ("before").
   */
  residual: "none" | "after" | "before";
  eps: number;
}

/** The case's output and its gradients for x, gamma and beta (those present), as float32 arrays. */
function lnRun(backend: string, c: Case, seed: number): Float32Array[] {
  nn.setBackend(backend);
  const dim = c.shape[c.shape.length - 1];
  const size = c.shape.reduce((p, n) => p * n, 1);
  const values = randomValues(size, seed).map((v, i) => (i % 7 === 3 ? v * c.scale : v + (i % 5 === 0 ? c.scale : 0)));
  // A constant row (variance 0) and a row with a -0.
  if (size >= 2 * dim) for (let j = 0; j < dim; j++) values[dim + j] = c.scale;
  values[0] = -0;
  const x = nn.tensor(values, c.shape);
  const gamma = c.gamma
    ? nn.tensor(
        randomValues(dim, seed + 1).map((v) => v + 1),
        [dim],
      )
    : null;
  const beta = c.beta ? nn.tensor(randomValues(dim, seed + 2), [dim]) : null;
  const w = nn.tensor(randomValues(size, seed + 3), c.shape);
  const w2 = nn.tensor(randomValues(size, seed + 4), c.shape);
  let y: Tensor | undefined;
  const targets = [x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])];
  const grads = nn.grad(() => {
    const x1 = x.mul(1.5);
    y = layerNorm(x1, gamma, beta, c.eps);
    const loss = y.mul(w).sum();
    if (c.residual === "none") return loss;
    const outside = x1.mul(w2).sum();
    return c.residual === "after" ? loss.add(outside) : outside.add(loss);
  }, targets);
  return [f32(y!.dataSync()), ...grads.map((g) => f32(g.dataSync()))];
}

const DIMS = [1, 3, 4, 5, 8, 17, 64, 130];
const CASES: Case[] = DIMS.flatMap((d, i) => [
  { shape: [3, d], gamma: true, beta: true, scale: 1, residual: "none", eps: 1e-3 },
  { shape: [5, d], gamma: true, beta: true, scale: 1, residual: "before", eps: 1e-3 },
  { shape: [2, 3, d], gamma: i % 2 === 0, beta: i % 3 !== 0, scale: 1e4, residual: "after", eps: 1e-5 },
  { shape: [2, 3, d], gamma: i % 2 === 1, beta: i % 3 === 0, scale: 10, residual: "before", eps: 1e-5 },
  { shape: [4, 1, 2, d], gamma: false, beta: false, scale: 1e-3, residual: i % 2 === 1 ? "before" : "none", eps: 1e-3 },
  { shape: [d], gamma: true, beta: false, scale: 3e7, residual: "none", eps: 1e-5 },
  // Squares overflow to Infinity: the deviation is Infinity, the output 0 or NaN.
  { shape: [2, d], gamma: true, beta: true, scale: 1e20, residual: "none", eps: 1e-5 },
]);

describe("fused layerNorm", () => {
  it("offers the kernels only when they are on", () => {
    const kernels = (b: WasmBackend): unknown[] => {
      const methods = b as unknown as Record<string, unknown>;
      return ["layerNorm", "layerNormBackward", "softmax", "softmaxBackward", "logSoftmaxBackward"].map(
        (name) => typeof methods[name],
      );
    };
    expect(kernels(new WasmBackend(1))).toEqual(new Array(5).fill("function"));
    expect(kernels(new WasmBackend(1, { fused: false }))).toEqual(new Array(5).fill("undefined"));
  });

  it("runs the kernels on the fused backend and not on the composed one", () => {
    const forward = vi.spyOn(WasmBackend.prototype, "layerNorm");
    const backward = vi.spyOn(WasmBackend.prototype, "layerNormBackward");
    try {
      lnRun("ln-composed-plain-1", CASES[0], 1);
      expect(forward).not.toHaveBeenCalled();
      lnRun("ln-fused-plain-1", CASES[0], 1);
      expect(forward).toHaveBeenCalledTimes(1);
      expect(backward).toHaveBeenCalledTimes(1);
    } finally {
      forward.mockRestore();
      backward.mockRestore();
    }
  });

  for (const simd of FLAVOURS) {
    for (const threads of [1, 2]) {
      it(`gives the composed ops' output and gradients bit for bit (${simd} SIMD, ${threads} thread(s))`, () => {
        CASES.forEach((c, k) => {
          const fused = lnRun(`ln-fused-${simd}-${threads}`, c, 100 + k);
          const composed = lnRun(`ln-composed-${simd}-${threads}`, c, 100 + k);
          expect(fused.length).toBe(composed.length);
          fused.forEach((f, i) => expect(bits(f), `${JSON.stringify(c)} result ${i}`).toEqual(bits(composed[i])));
        });
      });
    }
  }

  for (const affine of [false, true]) {
    it(`keeps what its gradient needs past a tidy scope (${affine ? "with" : "without"} gamma and beta)`, () => {
      const run = (backend: string): Uint32Array[] => {
        nn.setBackend(backend);
        const x = nn.tensor(randomValues(24, 9), [4, 6]);
        const gamma = affine ? nn.tensor(randomValues(6, 10), [6]) : null;
        const beta = affine ? nn.tensor(randomValues(6, 11), [6]) : null;
        const w = nn.tensor(randomValues(24, 12), [4, 6]);
        const grads = nn.grad(
          () =>
            nn
              .tidy(() => layerNorm(x.mul(2), gamma, beta, 1e-3))
              .mul(w)
              .sum(),
          [x, ...(gamma && beta ? [gamma, beta] : [])],
        );
        return grads.map((g) => bits(g));
      };
      expect(run("ln-fused-plain-1")).toEqual(run("ln-composed-plain-1"));
    });
  }

  it("matches the float64 reference backend within float32 rounding", () => {
    for (const [k, c] of CASES.entries()) {
      if (c.scale !== 1) continue;
      const fused = lnRun("ln-fused-plain-1", c, 200 + k);
      const reference = lnRun("reference", c, 200 + k);
      // A row's values pass through a dozen float32 roundings, sums of up to 130 terms included.
      fused.forEach((f, i) =>
        expect(worstError(f, reference[i], 1e-4), `${JSON.stringify(c)} result ${i}`).toBeLessThan(1),
      );
    }
  });

  it("composes the ops on a backend without the kernels (the reference)", () => {
    nn.setBackend("reference");
    const x = nn.tensor([1, 2, 3, 4], [1, 4]);
    const y = layerNorm(x, null, null, 0);
    const want = [-1.3416407, -0.4472136, 0.4472136, 1.3416407];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });
});

/** Softmax inputs: values of `scale` with attention-mask entries (-1e9 added, -Infinity), fully masked rows, a NaN. */
function softmaxInput(shape: number[], scale: number, seed: number, masked: boolean): Float64Array {
  const dim = shape[shape.length - 1];
  const size = shape.reduce((p, n) => p * n, 1);
  const values = randomValues(size, seed).map((v, i) => {
    const x = v * scale;
    if (!masked) return x;
    if (dim > 1 && i % 5 === 2) return x + -1e9;
    if (dim > 2 && i % 11 === 4) return -Infinity;
    return x;
  });
  if (masked && size >= 2 * dim) for (let j = 0; j < dim; j++) values[dim + j] = values[dim + j] - 1e9;
  // A row of -Infinity only (NaN out: -Infinity minus its maximum) and a NaN score.
  if (masked && size >= 3 * dim) for (let j = 0; j < dim; j++) values[2 * dim + j] = -Infinity;
  if (masked && size >= 4 * dim) values[3 * dim] = NaN;
  return values;
}

/** softmax or logSoftmax over the last axis: the output and the input's gradient under a weighted sum. */
function softmaxRun(
  backend: string,
  op: "softmax" | "logSoftmax",
  shape: number[],
  scale: number,
  seed: number,
  masked = true,
): Float32Array[] {
  nn.setBackend(backend);
  const size = shape.reduce((p, n) => p * n, 1);
  const x = nn.tensor(softmaxInput(shape, scale, seed, masked), shape);
  const w = nn.tensor(randomValues(size, seed + 1), shape);
  let y: Tensor | undefined;
  const [dx] = nn.grad(() => {
    y = (op === "softmax" ? softmax : logSoftmax)(x.mul(1), -1);
    // logSoftmax of a masked entry is about -1e9: weigh only the finite part so the sum stays finite.
    return (op === "softmax" ? y : nn.where(y.gt(-1e6), y, 0)).mul(w).sum();
  }, [x]);
  return [f32(y!.dataSync()), f32(dx.dataSync())];
}

const SOFTMAX_SHAPES = [1, 2, 3, 5, 8, 17, 64, 130].flatMap((d) => [
  [4, d],
  [2, 2, 3, d],
]);

describe("fused softmax and logSoftmax", () => {
  it("runs the kernels on the fused backend and not on the composed one", () => {
    const forward = vi.spyOn(WasmBackend.prototype, "softmax");
    const backward = vi.spyOn(WasmBackend.prototype, "softmaxBackward");
    try {
      softmaxRun("ln-composed-plain-1", "softmax", [2, 6], 1, 1);
      expect(forward).not.toHaveBeenCalled();
      softmaxRun("ln-fused-plain-1", "softmax", [2, 6], 1, 1);
      expect([forward.mock.calls.length, backward.mock.calls.length]).toEqual([1, 1]);
    } finally {
      forward.mockRestore();
      backward.mockRestore();
    }
  });

  for (const op of ["softmax", "logSoftmax"] as const) {
    for (const simd of FLAVOURS) {
      for (const threads of [1, 2]) {
        it(`${op}: the composed ops' output and gradient bit for bit (${simd} SIMD, ${threads} thread(s))`, () => {
          SOFTMAX_SHAPES.forEach((shape, k) => {
            for (const scale of [1, 30, 1e4]) {
              const fused = softmaxRun(`ln-fused-${simd}-${threads}`, op, shape, scale, 300 + k);
              const composed = softmaxRun(`ln-composed-${simd}-${threads}`, op, shape, scale, 300 + k);
              fused.forEach((f, i) =>
                expect(bits(f), `${op} ${shape.join("x")} x${scale} result ${i}`).toEqual(bits(composed[i])),
              );
            }
          });
        });
      }
    }

    it(`${op}: matches the float64 reference backend within float32 rounding`, () => {
      SOFTMAX_SHAPES.forEach((shape, k) => {
        // Unmasked: float64 keeps the part of a score that -1e9 swallows in float32.
        const fused = softmaxRun("ln-fused-plain-1", op, shape, 3, 400 + k, false);
        const reference = softmaxRun("reference", op, shape, 3, 400 + k, false);
        fused.forEach((f, i) =>
          expect(worstError(f, reference[i], 1e-5), `${shape.join("x")} result ${i}`).toBeLessThan(1),
        );
      });
    });
  }

  it("keeps a softmax over another axis composed", () => {
    const forward = vi.spyOn(WasmBackend.prototype, "softmax");
    try {
      nn.setBackend("ln-fused-plain-1");
      const y = softmax(nn.tensor(randomValues(12, 5), [3, 4]), 0);
      expect(forward).not.toHaveBeenCalled();
      const columns = Array.from(y.dataSync());
      for (let j = 0; j < 4; j++) expect(columns[j] + columns[4 + j] + columns[8 + j]).toBeCloseTo(1, 6);
    } finally {
      forward.mockRestore();
    }
  });
});

/** Four Adam steps of two TransformerEncoders (post-norm) with a softmax head: every weight after them. */
function transformerRun(backend: string, normalizeFirst: boolean): Uint32Array[] {
  nn.setBackend(backend);
  nn.seed(3);
  const model = keras.Sequential([
    keras.Input({ shape: [6] }),
    layers.Embedding(10, 16),
    layers.TransformerEncoder(32, 2, { normalizeFirst }),
    layers.TransformerEncoder(32, 2, { normalizeFirst }),
    layers.Dense(10, { activation: "softmax" }),
  ]);
  model.compile({ optimizer: keras.optimizers.Adam({ learningRate: 0.01 }), loss: "sparse_categorical_crossentropy" });
  const x = nn.tensor(
    Array.from({ length: 8 * 6 }, (_, i) => (i * 7) % 10),
    [8, 6],
    { dtype: "int32" },
  );
  const y = nn.tensor(
    Array.from({ length: 8 * 6 }, (_, i) => (i * 3) % 10),
    [8, 6],
    { dtype: "int32" },
  );
  for (let step = 0; step < 4; step++) model.trainOnBatch(x, y);
  return model.getWeights().map((w) => bits(w));
}

describe("TransformerEncoder training with the fused layerNorm and softmax", () => {
  for (const normalizeFirst of [false, true]) {
    it(`gives the same weights bit for bit as without it (${normalizeFirst ? "pre" : "post"}-norm)`, () => {
      const forward = vi.spyOn(WasmBackend.prototype, "layerNorm");
      const softmaxForward = vi.spyOn(WasmBackend.prototype, "softmax");
      const fused = transformerRun("ln-fused-plain-2", normalizeFirst);
      expect(forward).toHaveBeenCalled();
      expect(softmaxForward).toHaveBeenCalled();
      forward.mockRestore();
      softmaxForward.mockRestore();
      const composed = transformerRun("ln-composed-plain-2", normalizeFirst);
      expect(fused.length).toBeGreaterThan(10);
      fused.forEach((w, i) => expect(w, `weight ${i}`).toEqual(composed[i]));
    });
  }
});
