/**
 * The "wasm" backend: tensors live in one shared WebAssembly memory and the
 * heavy primitives (matmul, conv2d and its gradients, pooling, the common
 * unary/binary ops, contiguous reductions) run as AssemblyScript SIMD kernels,
 * the big ones split across worker threads; `where` has a scalar wasm loop,
 * strided copies, pad, gather and scatterAdd are wasm loops too (movement.ts), cast and concat
 * are JS loops over the shared memory, the transcendental unary ops run the reference's loop over
 * the heap. The rest (argReduce, pow) copy their operands out and run the reference backend's plain JS loops:
 * they are rare or small in training loops. The optional fused kernels (Adam's
 * step, dropout's mask, bias + relu, relu's gradient, the recurrent layers'
 * whole scan over a sequence, recurrent.ts, layer normalization and softmax with
 * their gradients, norm.ts) are on unless NNLAB_WASM_FUSED says otherwise. Winograd
 * F(2x2, 3x3) convolution (conv.ts, assembly/winograd.ts) is off unless NNLAB_WASM_WINOGRAD=1 or the
 * `winograd` option asks for it: it rounds differently from the im2col GEMM.
 */
import {
  broadcastStrides,
  sizeOf,
  stridesOf,
  type Backend,
  type BackendInfo,
  type BinaryOp,
  type Conv2DGeometry,
  type DType,
  type Pool2DGeometry,
  type RecurrentScanGeometry,
  type ReduceOp,
  type Shape,
  type TypedData,
  type UploadData,
  type UnaryOp,
  type View,
} from "../backend";
import { ReferenceBackend, unaryLoop, type RefData } from "../reference";
import * as conv from "./conv";
import * as elementwise from "./elementwise";
import { gemm } from "./gemm";
import type { Block } from "./heap";
import { WasmKernels, type SimdFlavour } from "./kernels";
import { savedSize, scanBackward, scanForward } from "./recurrent";
import type { Kernel } from "./threads";
import { forEachStridedBlock, reduceSteps } from "./shapes";

/** A tensor's storage: a block of the shared memory (float32 or int32, 4 bytes an element). */
export type WasmTensor = Block;

/** Ops with a SIMD kernel; the kernel of op `relu` is the export `unaryRelu`, and so on. */
const UNARY_KERNELS = new Set<UnaryOp>([
  "neg",
  "abs",
  "sqrt",
  "square",
  "reciprocal",
  "relu",
  "leakyRelu",
  "floor",
  "ceil",
]);
const BINARY_KERNELS = new Set<BinaryOp>([
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
]);

const FUSED_KERNELS = [
  "adamStep",
  "dropoutMask",
  "biasRelu",
  "reluBackward",
  "recurrentScan",
  "layerNorm",
  "softmax",
] as const;
/** Methods a fused kernel's name stands for besides its own. */
const FUSED_COMPANIONS: Partial<Record<string, string | string[]>> = {
  recurrentScan: "recurrentScanBackward",
  layerNorm: "layerNormBackward",
  softmax: ["softmaxBackward", "logSoftmaxBackward"],
};

/**
 * The fused kernels this backend offers: all (`fused` true, the default), none (false, or
 * NNLAB_WASM_FUSED=0), or those NNLAB_WASM_FUSED lists by name ("adamStep,dropoutMask").
 */
function fusedKernels(fused: boolean | undefined): Set<string> {
  const env = process.env.NNLAB_WASM_FUSED;
  if (fused !== undefined || env === undefined || env === "" || env === "1")
    return new Set(fused === false ? [] : FUSED_KERNELS);
  if (env === "0") return new Set();
  const names = env.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(FUSED_KERNELS as readonly string[]).includes(n));
  if (unknown.length) {
    throw new RangeError(
      `NNLAB_WASM_FUSED: unknown kernel ${unknown.join(", ")}; kernels: ${FUSED_KERNELS.join(", ")}`,
    );
  }
  return new Set(names);
}

/** NNLAB_WASM_WINOGRAD: "1" turns Winograd convolution on, "0" or unset leaves it off. */
function winogradFromEnv(): boolean {
  const env = process.env.NNLAB_WASM_WINOGRAD;
  if (env === undefined || env === "" || env === "0") return false;
  if (env === "1") return true;
  throw new RangeError(`NNLAB_WASM_WINOGRAD must be "0" or "1", got "${env}"`);
}

export class WasmBackend implements Backend<WasmTensor> {
  readonly name = "wasm";
  private readonly k: WasmKernels;
  private readonly ref = new ReferenceBackend();
  /**
   * Winograd F(2x2, 3x3) for the forward pass and input gradient of 3x3, stride-1 convolutions with enough
   * channels (conv.ts winogradPays); off by default: it rounds differently from the im2col GEMM.
   */
  readonly winograd: conv.Winograd;

  /**
   * `simd`: which kernel build (kernels.ts). `fused`: offer the fused kernels (Adam, dropout's mask,
   * bias + relu, relu's gradient, the recurrent layers' scan over a sequence)
   * (default true; NNLAB_WASM_FUSED=0 turns them off, to measure what they buy): without them the op
   * layer composes the same float32 operations from primitives, with the same results.
   */
  constructor(threads?: number, options: { simd?: SimdFlavour; fused?: boolean; winograd?: conv.Winograd } = {}) {
    this.k = new WasmKernels(threads, options);
    this.winograd = options.winograd ?? winogradFromEnv();
    const kept = fusedKernels(options.fused);
    // Own properties shadow the prototype's methods: the op layer sees only the kept fused kernels.
    for (const name of FUSED_KERNELS) {
      if (kept.has(name)) continue;
      Object.assign(this, { [name]: undefined });
      for (const companion of [FUSED_COMPANIONS[name] ?? []].flat()) Object.assign(this, { [companion]: undefined });
    }
  }

  info(): BackendInfo {
    const mode = this.k.simd === "relaxed" ? "wasm-relaxed-simd" : "wasm-simd";
    return { name: this.name, mode, threads: this.k.threads, simd: true };
  }

  /** Bytes the heap would grow by for `size` elements: 0 when a free block fits. */
  residentGrowth(size: number): number {
    return this.k.heap.growthFor(size * 4);
  }

  /** Bytes held by live tensors and the size of the heap (for memory profiles). */
  memoryUsage(): { liveBytes: number; heapBytes: number } {
    return this.k.heap.usage();
  }

  // ----- storage -----

  upload(values: UploadData, dtype: DType): WasmTensor {
    const h = this.alloc(values.length);
    if (dtype === "int32") this.k.heap.i32.set(values, h.ptr >> 2);
    else this.k.heap.f32.set(values, h.ptr >> 2);
    return h;
  }

  read(h: WasmTensor, size: number, dtype: DType): TypedData {
    const at = h.ptr >> 2;
    return dtype === "int32" ? this.k.heap.i32.slice(at, at + size) : this.k.heap.f32.slice(at, at + size);
  }

  readFloat64(h: WasmTensor, size: number, dtype: DType): Float64Array {
    return Float64Array.from(this.read(h, size, dtype));
  }

  /** Float data is float32 here already. */
  roundToFloat32(h: WasmTensor): WasmTensor {
    return h;
  }

  dispose(h: WasmTensor): void {
    this.k.heap.release(h);
  }

  // ----- fused kernels -----

  adamStep(
    w: WasmTensor,
    g: WasmTensor,
    m: WasmTensor,
    v: WasmTensor,
    size: number,
    c: { c1: number; c2: number; alpha: number; eps: number },
  ): WasmTensor {
    const out = this.alloc(size);
    elementwise.fused(this.k, "adamStep", [w, g, m, v, out], size, [c.c1, c.c2, c.alpha, c.eps]);
    return out;
  }

  biasRelu(x: WasmTensor, bias: WasmTensor, rows: number, channels: number): WasmTensor {
    const out = this.alloc(rows * channels);
    elementwise.biasRelu(this.k, x, bias, out, rows, channels);
    return out;
  }

  reluBackward(dy: WasmTensor, x: WasmTensor, size: number): WasmTensor {
    const out = this.alloc(size);
    elementwise.fused(this.k, "reluBackward", [dy, x, out], size, []);
    return out;
  }

  layerNorm(
    x: WasmTensor,
    gamma: WasmTensor | null,
    beta: WasmTensor | null,
    rows: number,
    dim: number,
    eps: number,
  ): { y: WasmTensor; centered: WasmTensor; normalized: WasmTensor; std: WasmTensor } {
    const [y, centered, normalized] = [this.alloc(rows * dim), this.alloc(rows * dim), this.alloc(rows * dim)];
    const std = this.alloc(rows);
    // One thread: rows are independent, so a split would give the same bits, and the sizes that
    // LayerNormalization sees are below the elementwise ops' own threading threshold.
    (this.k.exports.layerNormForward as Kernel)(
      x.ptr,
      gamma ? gamma.ptr : 0,
      beta ? beta.ptr : 0,
      y.ptr,
      centered.ptr,
      normalized.ptr,
      std.ptr,
      rows,
      dim,
      eps,
    );
    return { y, centered, normalized, std };
  }

  layerNormBackward(
    dy: WasmTensor,
    gamma: WasmTensor | null,
    centered: WasmTensor,
    normalized: WasmTensor,
    std: WasmTensor,
    rows: number,
    dim: number,
  ): { dCentered: WasmTensor; dSum: WasmTensor } {
    const dCentered = this.alloc(rows * dim);
    const dSum = this.alloc(rows);
    (this.k.exports.layerNormBackward as Kernel)(
      dy.ptr,
      gamma ? gamma.ptr : 0,
      centered.ptr,
      normalized.ptr,
      std.ptr,
      dCentered.ptr,
      dSum.ptr,
      rows,
      dim,
    );
    return { dCentered, dSum };
  }

  // Softmax's forward runs in JavaScript over the heap: its exp must be JavaScript's Math.exp (what
  // the composed ops get from the reference backend), and Math.fround after each operation gives
  // float32 arithmetic (a double result of float32 operands rounds to the float32 result). The
  // row's maximum and sum follow the wasm reduction's order (reduceRow in assembly/reduce.ts: four
  // lane partial results over the whole groups of four, combined (l0 + l1) + (l2 + l3), then the tail).
  softmax(x: WasmTensor, rows: number, dim: number, log: boolean): WasmTensor {
    const out = this.alloc(rows * dim);
    const f = this.k.heap.f32;
    const fr = Math.fround;
    const whole = dim & ~3;
    for (let r = 0; r < rows; r++) {
      const a = (x.ptr >> 2) + r * dim;
      const o = (out.ptr >> 2) + r * dim;
      let m0 = -Infinity;
      let m1 = -Infinity;
      let m2 = -Infinity;
      let m3 = -Infinity;
      let j = 0;
      for (; j < whole; j += 4) {
        m0 = Math.max(m0, f[a + j]);
        m1 = Math.max(m1, f[a + j + 1]);
        m2 = Math.max(m2, f[a + j + 2]);
        m3 = Math.max(m3, f[a + j + 3]);
      }
      let m = Math.max(Math.max(m0, m1), Math.max(m2, m3));
      for (; j < dim; j++) m = Math.max(m, f[a + j]);
      // exp(x - max) to out (the store rounds to float32), then its sum.
      for (j = 0; j < dim; j++) f[o + j] = Math.exp(fr(f[a + j] - m));
      const s = laneSum(f, o, dim);
      if (log) {
        const ls = fr(Math.log(s));
        for (j = 0; j < dim; j++) f[o + j] = fr(f[a + j] - m) - ls;
      } else {
        for (j = 0; j < dim; j++) f[o + j] = f[o + j] / s;
      }
    }
    return out;
  }

  softmaxBackward(dy: WasmTensor, y: WasmTensor, rows: number, dim: number): WasmTensor {
    const dx = this.alloc(rows * dim);
    (this.k.exports.softmaxBackward as Kernel)(dy.ptr, y.ptr, dx.ptr, rows, dim);
    return dx;
  }

  // dy - fround(exp(y)) * sum(dy), in JavaScript for the same reason as the forward.
  logSoftmaxBackward(dy: WasmTensor, y: WasmTensor, rows: number, dim: number): WasmTensor {
    const dx = this.alloc(rows * dim);
    const f = this.k.heap.f32;
    const fr = Math.fround;
    for (let r = 0; r < rows; r++) {
      const g = (dy.ptr >> 2) + r * dim;
      const a = (y.ptr >> 2) + r * dim;
      const o = (dx.ptr >> 2) + r * dim;
      const s = laneSum(f, g, dim);
      for (let j = 0; j < dim; j++) f[o + j] = f[g + j] - fr(fr(Math.exp(f[a + j])) * s);
    }
    return dx;
  }

  dropoutMask(state: Uint32Array, size: number, keep: number): WasmTensor {
    const out = this.alloc(size);
    const at = this.k.geometry.ptr >> 2;
    // Int32Array <-> Uint32Array copies keep the bits.
    this.k.heap.i32.set(state, at);
    (this.k.exports.dropoutMask as Kernel)(this.k.geometry.ptr, out.ptr, size, keep);
    state.set(this.k.heap.i32.subarray(at, at + 4));
    return out;
  }

  recurrentScan(
    g: RecurrentScanGeometry,
    projected: WasmTensor,
    recurrentKernel: WasmTensor,
    recurrentBias: WasmTensor | null,
    initialStates: readonly WasmTensor[],
    mask: WasmTensor | null,
  ): { states: WasmTensor; saved: WasmTensor; savedSize: number } {
    const stateCount = g.cell === "lstm" ? 2 : 1;
    const states = this.alloc(g.batch * g.time * stateCount * g.units);
    const size = savedSize(this.k, g);
    const saved = this.alloc(size);
    scanForward(this.k, g, { projected, recurrentKernel, recurrentBias, initialStates, mask, states, saved });
    return { states, saved, savedSize: size };
  }

  recurrentScanBackward(
    g: RecurrentScanGeometry,
    dStates: WasmTensor,
    states: WasmTensor,
    saved: WasmTensor,
    recurrentKernel: WasmTensor,
    recurrentBias: WasmTensor | null,
    initialStates: readonly WasmTensor[],
    mask: WasmTensor | null,
  ): {
    dProjected: WasmTensor;
    dRecurrentKernel: WasmTensor;
    dRecurrentBias: WasmTensor | null;
    dInitialStates: WasmTensor[];
  } {
    const blocks = { recurrentKernel, initialStates, mask, states, saved, withBias: recurrentBias !== null };
    return scanBackward(this.k, g, dStates, blocks, (n) => this.alloc(n));
  }

  // ----- elementwise -----

  cast(x: WasmTensor, size: number, from: DType, to: DType): WasmTensor {
    const out = this.alloc(size);
    const { f32, i32 } = this.k.heap;
    const src = x.ptr >> 2;
    const dst = out.ptr >> 2;
    // Typed-array stores convert as the reference's Int32Array.from does (ToInt32: toward zero, NaN to 0).
    if (from === to) i32.copyWithin(dst, src, src + size);
    else if (to === "int32") for (let i = 0; i < size; i++) i32[dst + i] = f32[src + i];
    else for (let i = 0; i < size; i++) f32[dst + i] = i32[src + i];
    return out;
  }

  unary(op: UnaryOp, x: WasmTensor, size: number, alpha = 0): WasmTensor {
    const y = this.alloc(size);
    if (!UNARY_KERNELS.has(op)) {
      // The reference's float64 loop straight over the heap (no copy out and back; the same values).
      const { f32 } = this.k.heap;
      const at = x.ptr >> 2;
      const to = y.ptr >> 2;
      unaryLoop(op, f32.subarray(at, at + size), f32.subarray(to, to + size), alpha);
      return y;
    }
    elementwise.unary(this.k, kernelName("unary", op), x, y, size, alpha);
    return y;
  }

  binary(op: BinaryOp, a: WasmTensor, aShape: Shape, b: WasmTensor, bShape: Shape, outShape: Shape): WasmTensor {
    if (!BINARY_KERNELS.has(op)) {
      const r = this.ref.binary(
        op,
        this.toRef(a, sizeOf(aShape), "float32"),
        aShape,
        this.toRef(b, sizeOf(bShape), "float32"),
        bShape,
        outShape,
      );
      return this.upload(r, "float32");
    }
    const out = this.alloc(sizeOf(outShape));
    elementwise.broadcast(this.k, kernelName("binary", op), [a, b], [aShape, bShape], out, outShape, broadcastStrides);
    return out;
  }

  where(
    cond: WasmTensor,
    condShape: Shape,
    a: WasmTensor,
    aShape: Shape,
    b: WasmTensor,
    bShape: Shape,
    outShape: Shape,
  ): WasmTensor {
    const out = this.alloc(sizeOf(outShape));
    elementwise.broadcast(this.k, "where", [cond, a, b], [condShape, aShape, bShape], out, outShape, broadcastStrides);
    return out;
  }

  // ----- reductions -----

  reduce(op: ReduceOp, x: WasmTensor, shape: Shape, axes: readonly number[]): WasmTensor {
    const steps = reduceSteps(shape, axes);
    let current = x;
    for (const s of steps) {
      const out = this.alloc(s.outer * s.inner);
      elementwise.reduce(this.k, kernelName("reduce", op), current, out, s);
      if (current !== x) this.dispose(current);
      current = out;
    }
    return current === x ? this.copy(x, sizeOf(shape)) : current;
  }

  argReduce(op: "argmax" | "argmin", x: WasmTensor, shape: Shape, axis: number): WasmTensor {
    return this.upload(this.ref.argReduce(op, this.toRef(x, sizeOf(shape), "float32"), shape, axis), "int32");
  }

  // ----- linear algebra -----

  matmul(
    a: WasmTensor,
    aShape: readonly [number, number, number],
    b: WasmTensor,
    bShape: readonly [number, number, number],
    transA: boolean,
    transB: boolean,
    batch: number,
  ): WasmTensor {
    const [aBatch, aRows, aCols] = aShape;
    const [bBatch, bRows, bCols] = bShape;
    const m = transA ? aCols : aRows;
    const k = transA ? aRows : aCols;
    const n = transB ? bRows : bCols;
    const out = this.alloc(batch * m * n);
    gemm(this.k, {
      transA,
      transB,
      m,
      n,
      k,
      alpha: 1,
      a: a.ptr,
      lda: aCols,
      b: b.ptr,
      ldb: bCols,
      beta: 0,
      c: out.ptr,
      ldc: n,
      batch,
      strideA: aBatch === 1 ? 0 : aRows * aCols,
      strideB: bBatch === 1 ? 0 : bRows * bCols,
      strideC: m * n,
    });
    return out;
  }

  // ----- convolution -----

  conv2d(x: WasmTensor, filter: WasmTensor, g: Conv2DGeometry): WasmTensor {
    const y = this.alloc(g.batch * g.outHeight * g.outWidth * g.outChannels);
    conv.conv2dForward(this.k, x, filter, y, g, this.winograd);
    return y;
  }

  conv2dBackpropInput(dy: WasmTensor, filter: WasmTensor, g: Conv2DGeometry): WasmTensor {
    const dx = this.alloc(g.batch * g.inHeight * g.inWidth * g.inChannels);
    conv.conv2dBackpropInput(this.k, dy, filter, dx, g, this.winograd);
    return dx;
  }

  conv2dBackpropFilter(x: WasmTensor, dy: WasmTensor, g: Conv2DGeometry): WasmTensor {
    const dw = this.alloc(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
    conv.conv2dBackpropFilter(this.k, x, dy, dw, g, this.winograd);
    return dw;
  }

  // ----- pooling -----

  pool2d(op: "max" | "avg", x: WasmTensor, g: Pool2DGeometry): WasmTensor {
    const y = this.alloc(g.batch * g.outHeight * g.outWidth * g.channels);
    conv.pool2d(this.k, op === "avg", x, y, g);
    return y;
  }

  maxPool2dBackward(dy: WasmTensor, x: WasmTensor, g: Pool2DGeometry): WasmTensor {
    const dx = this.alloc(g.batch * g.inHeight * g.inWidth * g.channels);
    conv.maxPool2dBackward(this.k, dy, x, dx, g);
    return dx;
  }

  avgPool2dBackward(dy: WasmTensor, g: Pool2DGeometry): WasmTensor {
    const dx = this.alloc(g.batch * g.inHeight * g.inWidth * g.channels);
    conv.avgPool2dBackward(this.k, dy, dx, g);
    return dx;
  }

  // ----- movement -----

  strided(x: WasmTensor, _dtype: DType, v: View): WasmTensor {
    const out = this.alloc(sizeOf(v.shape));
    // Moves 32-bit patterns, so one kernel serves float32 and int32.
    const copy = this.k.exports.stridedCopy as Kernel;
    forEachStridedBlock(v.shape, v.strides, v.offset, (at, to, strides, dims) =>
      copy(x.ptr + at * 4, ...strides, out.ptr + to * 4, ...dims),
    );
    return out;
  }

  pad(x: WasmTensor, shape: Shape, before: readonly number[], after: readonly number[], value: number): WasmTensor {
    const outShape = shape.map((d, i) => d + before[i] + after[i]);
    const out = this.alloc(sizeOf(outShape));
    (this.k.exports.fillF32 as Kernel)(out.ptr, sizeOf(outShape), value);
    if (sizeOf(shape) === 0) return out;
    // x fills the window that starts at `before`: the window is a strided view of the output.
    const outStrides = stridesOf(outShape);
    const offset = before.reduce((acc, b, i) => acc + b * outStrides[i], 0);
    const place = this.k.exports.stridedPlace as Kernel;
    forEachStridedBlock(shape, outStrides, offset, (at, from, strides, dims) =>
      place(x.ptr + from * 4, out.ptr + at * 4, ...strides, ...dims),
    );
    return out;
  }

  concat(inputs: readonly { data: WasmTensor; shape: Shape }[], axis: number, _dtype: DType): WasmTensor {
    const outer = sizeOf(inputs[0].shape.slice(0, axis));
    const widths = inputs.map((t) => sizeOf(t.shape.slice(axis)));
    const total = widths.reduce((p, w) => p + w, 0);
    const out = this.alloc(outer * total);
    const mem = this.k.heap.i32;
    let col = 0;
    inputs.forEach((t, i) => {
      const w = widths[i];
      const src = t.data.ptr >> 2;
      for (let o = 0; o < outer; o++) mem.copyWithin((out.ptr >> 2) + o * total + col, src + o * w, src + (o + 1) * w);
      col += w;
    });
    return out;
  }

  gather(x: WasmTensor, shape: Shape, _dtype: DType, indices: WasmTensor, count: number, axis: number): WasmTensor {
    const { outer, rows, inner } = aroundAxis(shape, axis);
    const out = this.alloc(outer * count * inner);
    // 32-bit patterns again; a zero pattern is 0 in both dtypes, which is what out-of-range indices read.
    (this.k.exports.gatherRows as Kernel)(x.ptr, outer, rows, inner, indices.ptr, count, out.ptr);
    return out;
  }

  scatterAdd(updates: WasmTensor, indices: WasmTensor, count: number, axis: number, shape: Shape): WasmTensor {
    const { outer, rows, inner } = aroundAxis(shape, axis);
    const out = this.alloc(sizeOf(shape));
    (this.k.exports.scatterAddRows as Kernel)(updates.ptr, indices.ptr, count, outer, rows, inner, out.ptr);
    return out;
  }

  // ----- helpers -----

  private alloc(elements: number): WasmTensor {
    return this.k.heap.alloc(elements * 4);
  }

  private copy(x: WasmTensor, size: number): WasmTensor {
    const out = this.alloc(size);
    this.k.heap.i32.copyWithin(out.ptr >> 2, x.ptr >> 2, (x.ptr >> 2) + size);
    return out;
  }

  private toRef(h: WasmTensor, size: number, dtype: DType): RefData {
    const at = h.ptr >> 2;
    return dtype === "int32"
      ? this.k.heap.i32.slice(at, at + size)
      : Float64Array.from(this.k.heap.f32.subarray(at, at + size));
  }
}

/** The float32 sum of f[at], ..., f[at + dim - 1] in the wasm reduction's order (reduceRow). */
function laneSum(f: Float32Array, at: number, dim: number): number {
  const fr = Math.fround;
  const whole = dim & ~3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j < whole; j += 4) {
    s0 = fr(s0 + f[at + j]);
    s1 = fr(s1 + f[at + j + 1]);
    s2 = fr(s2 + f[at + j + 2]);
    s3 = fr(s3 + f[at + j + 3]);
  }
  let s = fr(fr(s0 + s1) + fr(s2 + s3));
  for (; j < dim; j++) s = fr(s + f[at + j]);
  return s;
}

/** `shape` around `axis`: the product of the dims before it, its size, and the product after it. */
function aroundAxis(shape: Shape, axis: number): { outer: number; rows: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), rows: shape[axis], inner: sizeOf(shape.slice(axis + 1)) };
}

const kernelNames = new Map<string, string>();

/** The export that runs `op` of a kernel family: ("unary", "leakyRelu") -> "unaryLeakyRelu". */
function kernelName(family: string, op: string): string {
  const key = `${family}:${op}`;
  let name = kernelNames.get(key);
  if (name === undefined) {
    name = family + op[0].toUpperCase() + op.slice(1);
    kernelNames.set(key, name);
  }
  return name;
}
