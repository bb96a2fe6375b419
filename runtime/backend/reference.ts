/**
 * The reference backend: plain JavaScript that computes and stores float
 * data in float64 (int32 data in Int32Array). It is the test oracle for every
 * other backend and, until a faster CPU backend registers, the default one.
 * Written for obviousness; loops run over typed arrays with the op chosen
 * outside the loop.
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
  type ReduceOp,
  type Shape,
  type TypedData,
  type UploadData,
  type UnaryOp,
  type View,
} from "./backend";

/** Reference storage: float data as float64, int data as int32. */
export type RefData = Float64Array | Int32Array;

export class ReferenceBackend implements Backend<RefData> {
  readonly name = "reference";

  info(): BackendInfo {
    return { name: this.name, mode: "js-float64", threads: 1, simd: false };
  }

  /** float32 data is kept as float64 here: 8 bytes an element, int32 4. */
  residentGrowth(size: number, dtype: DType): number {
    return size * (dtype === "int32" ? 4 : 8);
  }

  upload(values: UploadData, dtype: DType): RefData {
    const out = alloc(dtype, values.length);
    out.set(values);
    return out;
  }

  read(h: RefData, size: number, dtype: DType): TypedData {
    const src = h.subarray(0, size);
    return dtype === "int32" ? Int32Array.from(src) : Float32Array.from(src);
  }

  /** Float data at full float64 precision (what gradient checks compare). */
  readFloat64(h: RefData, size: number): Float64Array {
    return Float64Array.from(h.subarray(0, size));
  }

  /** New float64 storage holding the float32 roundings of `h`'s values. */
  roundToFloat32(h: RefData, size: number): RefData {
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = Math.fround(h[i]);
    return out;
  }

  dispose(): void {
    // Garbage collection frees typed arrays.
  }

  cast(x: RefData, size: number, _from: DType, to: DType): RefData {
    const src = x.subarray(0, size);
    return to === "int32" ? Int32Array.from(src) : Float64Array.from(src);
  }

  unary(op: UnaryOp, x: RefData, size: number, alpha = 0): RefData {
    const out = new Float64Array(size);
    unaryLoop(op, x, out, alpha);
    return out;
  }

  binary(op: BinaryOp, a: RefData, aShape: Shape, b: RefData, bShape: Shape, outShape: Shape): RefData {
    const n = sizeOf(outShape);
    const out = new Float64Array(n);
    const ai = broadcastIndex(aShape, outShape);
    const bi = broadcastIndex(bShape, outShape);
    binaryLoop(op, a, ai, b, bi, out);
    return out;
  }

  where(
    cond: RefData,
    condShape: Shape,
    a: RefData,
    aShape: Shape,
    b: RefData,
    bShape: Shape,
    outShape: Shape,
  ): RefData {
    const n = sizeOf(outShape);
    const out = new Float64Array(n);
    const ci = broadcastIndex(condShape, outShape);
    const ai = broadcastIndex(aShape, outShape);
    const bi = broadcastIndex(bShape, outShape);
    for (let i = 0; i < n; i++) out[i] = cond[ci[i]] !== 0 ? a[ai[i]] : b[bi[i]];
    return out;
  }

  reduce(op: ReduceOp, x: RefData, shape: Shape, axes: readonly number[]): RefData {
    const adjacent = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
    if (adjacent && axes[axes.length - 1] !== shape.length - 1) return reduceMiddle(op, x, shape, axes);
    const { data, outSize, groupSize } = groupAxesLast(x, shape, axes);
    const out = new Float64Array(outSize);
    for (let o = 0; o < outSize; o++) out[o] = reduceRange(op, data, o * groupSize, (o + 1) * groupSize);
    return out;
  }

  argReduce(op: "argmax" | "argmin", x: RefData, shape: Shape, axis: number): RefData {
    const { data, outSize, groupSize } = groupAxesLast(x, shape, [axis]);
    const out = new Int32Array(outSize);
    const sign = op === "argmax" ? 1 : -1;
    for (let o = 0; o < outSize; o++) {
      const start = o * groupSize;
      let best = 0;
      let bestValue = data[start] * sign;
      for (let j = 1; j < groupSize && !Number.isNaN(bestValue); j++) {
        const v = data[start + j] * sign;
        if (v > bestValue || Number.isNaN(v)) {
          best = j;
          bestValue = v;
        }
      }
      out[o] = best;
    }
    return out;
  }

  matmul(
    a: RefData,
    aShape: readonly [number, number, number],
    b: RefData,
    bShape: readonly [number, number, number],
    transA: boolean,
    transB: boolean,
    batch: number,
  ): RefData {
    const [aBatch, aRows, aCols] = aShape;
    const [bBatch, bRows, bCols] = bShape;
    const m = transA ? aCols : aRows;
    const k = transA ? aRows : aCols;
    const n = transB ? bRows : bCols;
    // Element (i, p) of op(A) is a[i * aRowStride + p * aColStride]; likewise for B.
    const aRowStride = transA ? 1 : aCols;
    const aColStride = transA ? aCols : 1;
    const bRowStride = transB ? 1 : bCols;
    const bColStride = transB ? bCols : 1;
    const out = new Float64Array(batch * m * n);
    for (let bt = 0; bt < batch; bt++) {
      const aOff = aBatch === 1 ? 0 : bt * aRows * aCols;
      const bOff = bBatch === 1 ? 0 : bt * bRows * bCols;
      const oOff = bt * m * n;
      for (let i = 0; i < m; i++) {
        const row = oOff + i * n;
        for (let p = 0; p < k; p++) {
          const av = a[aOff + i * aRowStride + p * aColStride];
          if (av === 0) continue;
          const bRow = bOff + p * bRowStride;
          for (let j = 0; j < n; j++) out[row + j] += av * b[bRow + j * bColStride];
        }
      }
    }
    return out;
  }

  conv2d(x: RefData, filter: RefData, g: Conv2DGeometry): RefData {
    const out = new Float64Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
    const C = g.inChannels;
    const O = g.outChannels;
    forEachConvTap(g, (xBase, fBase, yBase) => {
      for (let ci = 0; ci < C; ci++) {
        const xv = x[xBase + ci];
        if (xv === 0) continue;
        const fRow = fBase + ci * O;
        for (let co = 0; co < O; co++) out[yBase + co] += xv * filter[fRow + co];
      }
    });
    return out;
  }

  conv2dBackpropInput(dy: RefData, filter: RefData, g: Conv2DGeometry): RefData {
    const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
    const C = g.inChannels;
    const O = g.outChannels;
    forEachConvTap(g, (xBase, fBase, yBase) => {
      for (let ci = 0; ci < C; ci++) {
        const fRow = fBase + ci * O;
        let s = 0;
        for (let co = 0; co < O; co++) s += dy[yBase + co] * filter[fRow + co];
        dx[xBase + ci] += s;
      }
    });
    return dx;
  }

  conv2dBackpropFilter(x: RefData, dy: RefData, g: Conv2DGeometry): RefData {
    const df = new Float64Array(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
    const C = g.inChannels;
    const O = g.outChannels;
    forEachConvTap(g, (xBase, fBase, yBase) => {
      for (let ci = 0; ci < C; ci++) {
        const xv = x[xBase + ci];
        if (xv === 0) continue;
        const fRow = fBase + ci * O;
        for (let co = 0; co < O; co++) df[fRow + co] += xv * dy[yBase + co];
      }
    });
    return df;
  }

  pool2d(op: "max" | "avg", x: RefData, g: Pool2DGeometry): RefData {
    const C = g.channels;
    const out = new Float64Array(g.batch * g.outHeight * g.outWidth * C);
    forEachPoolWindow(g, (yBase, taps, count) => {
      for (let c = 0; c < C; c++) {
        if (count === 0) continue;
        let acc = op === "max" ? -Infinity : 0;
        for (let t = 0; t < count; t++) {
          const v = x[taps[t] + c];
          if (op === "avg") acc += v;
          else if (v > acc || Number.isNaN(v)) acc = v;
        }
        out[yBase + c] = op === "avg" ? acc / count : acc;
      }
    });
    return out;
  }

  maxPool2dBackward(dy: RefData, x: RefData, g: Pool2DGeometry): RefData {
    const C = g.channels;
    const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * C);
    forEachPoolWindow(g, (yBase, taps, count) => {
      for (let c = 0; c < C; c++) {
        if (count === 0) continue;
        let best = 0;
        for (let t = 1; t < count; t++) if (x[taps[t] + c] > x[taps[best] + c]) best = t;
        dx[taps[best] + c] += dy[yBase + c];
      }
    });
    return dx;
  }

  avgPool2dBackward(dy: RefData, g: Pool2DGeometry): RefData {
    const C = g.channels;
    const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * C);
    forEachPoolWindow(g, (yBase, taps, count) => {
      for (let t = 0; t < count; t++) {
        for (let c = 0; c < C; c++) dx[taps[t] + c] += dy[yBase + c] / count;
      }
    });
    return dx;
  }

  strided(x: RefData, dtype: DType, v: View): RefData {
    const index = viewIndex(v.shape, v.strides, v.offset);
    const out = alloc(dtype, index.length);
    for (let i = 0; i < index.length; i++) out[i] = x[index[i]];
    return out;
  }

  pad(x: RefData, shape: Shape, before: readonly number[], after: readonly number[], value: number): RefData {
    const outShape = shape.map((d, i) => d + before[i] + after[i]);
    const out = new Float64Array(sizeOf(outShape)).fill(value);
    const outStrides = stridesOf(outShape);
    const offset = before.reduce((acc, b, i) => acc + b * outStrides[i], 0);
    const dest = viewIndex(shape, outStrides, offset);
    for (let i = 0; i < dest.length; i++) out[dest[i]] = x[i];
    return out;
  }

  concat(inputs: readonly { data: RefData; shape: Shape }[], axis: number, dtype: DType): RefData {
    const outShape = [...inputs[0].shape];
    outShape[axis] = inputs.reduce((acc, t) => acc + t.shape[axis], 0);
    const out = alloc(dtype, sizeOf(outShape));
    const outStrides = stridesOf(outShape);
    let axisOffset = 0;
    for (const { data, shape } of inputs) {
      const dest = viewIndex(shape, outStrides, axisOffset * outStrides[axis]);
      for (let i = 0; i < dest.length; i++) out[dest[i]] = data[i];
      axisOffset += shape[axis];
    }
    return out;
  }

  gather(x: RefData, shape: Shape, dtype: DType, indices: RefData, count: number, axis: number): RefData {
    const { outer, axisSize, inner } = splitAtAxis(shape, axis);
    const out = alloc(dtype, outer * count * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < count; j++) {
        const idx = indices[j];
        if (idx < 0 || idx >= axisSize) continue;
        const src = (o * axisSize + idx) * inner;
        const dst = (o * count + j) * inner;
        for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
      }
    }
    return out;
  }

  scatterAdd(updates: RefData, indices: RefData, count: number, axis: number, shape: Shape): RefData {
    const { outer, axisSize, inner } = splitAtAxis(shape, axis);
    const out = new Float64Array(sizeOf(shape));
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < count; j++) {
        const idx = indices[j];
        if (idx < 0 || idx >= axisSize) continue;
        const dst = (o * axisSize + idx) * inner;
        const src = (o * count + j) * inner;
        for (let i = 0; i < inner; i++) out[dst + i] += updates[src + i];
      }
    }
    return out;
  }
}

/** The Gauss error function to float64 accuracy. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  // erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): every term is positive, so no cancellation.
  let term = ax;
  let sum = ax;
  const x2 = ax * ax;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

function alloc(dtype: DType, n: number): RefData {
  return dtype === "int32" ? new Int32Array(n) : new Float64Array(n);
}

/** Offsets into a buffer for every element, in row-major order, of the strided view (shape, strides, offset). */
function viewIndex(shape: Shape, strides: readonly number[], offset: number): Int32Array {
  const n = sizeOf(shape);
  const out = new Int32Array(n);
  const rank = shape.length;
  const counter = new Int32Array(rank);
  let pos = offset;
  for (let i = 0; i < n; i++) {
    out[i] = pos;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      pos += strides[d];
      if (counter[d] < shape[d]) break;
      pos -= strides[d] * shape[d];
      counter[d] = 0;
    }
  }
  return out;
}

function broadcastIndex(shape: Shape, outShape: Shape): Int32Array {
  return viewIndex(outShape, broadcastStrides(shape, outShape), 0);
}

/**
 * x's values ordered so that each output element's reduced group is one
 * contiguous run (kept axes outermost, reduced axes innermost): x itself when
 * the reduced axes are already the trailing ones, else a reordered copy.
 */
function groupAxesLast(
  x: RefData,
  shape: Shape,
  axes: readonly number[],
): { data: RefData; outSize: number; groupSize: number } {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const groupSize = axes.reduce((acc, i) => acc * shape[i], 1);
  const outSize = kept.reduce((acc, i) => acc * shape[i], 1);
  const trailing = axes.every((a, i) => a === shape.length - axes.length + i);
  if (trailing || groupSize === 0 || outSize === 0) return { data: x, outSize, groupSize };
  const strides = stridesOf(shape);
  const order = [...kept, ...axes];
  const index = viewIndex(
    order.map((i) => shape[i]),
    order.map((i) => strides[i]),
    0,
  );
  const data = new Float64Array(index.length);
  for (let i = 0; i < index.length; i++) data[i] = x[index[i]];
  return { data, outSize, groupSize };
}

/**
 * Reduces a block of adjacent axes followed by kept ones: x viewed as
 * [outer, reduced, inner], folded row by row so memory is read in order.
 */
function reduceMiddle(op: ReduceOp, x: RefData, shape: Shape, axes: readonly number[]): Float64Array {
  const outer = sizeOf(shape.slice(0, axes[0]));
  const reduced = sizeOf(axes.map((a) => shape[a]));
  const inner = sizeOf(shape.slice(axes[axes.length - 1] + 1));
  const identity = { sum: 0, prod: 1, max: -Infinity, min: Infinity }[op];
  const out = new Float64Array(outer * inner).fill(identity);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    for (let r = 0; r < reduced; r++) {
      const row = (o * reduced + r) * inner;
      switch (op) {
        case "sum":
          for (let i = 0; i < inner; i++) out[base + i] += x[row + i];
          break;
        case "prod":
          for (let i = 0; i < inner; i++) out[base + i] *= x[row + i];
          break;
        case "max":
          for (let i = 0; i < inner; i++) {
            const v = x[row + i];
            if (v > out[base + i] || Number.isNaN(v)) out[base + i] = Number.isNaN(out[base + i]) ? out[base + i] : v;
          }
          break;
        case "min":
          for (let i = 0; i < inner; i++) {
            const v = x[row + i];
            if (v < out[base + i] || Number.isNaN(v)) out[base + i] = Number.isNaN(out[base + i]) ? out[base + i] : v;
          }
          break;
      }
    }
  }
  return out;
}

function reduceRange(op: ReduceOp, x: RefData, start: number, end: number): number {
  let acc: number;
  switch (op) {
    case "sum":
      acc = 0;
      for (let j = start; j < end; j++) acc += x[j];
      return acc;
    case "prod":
      acc = 1;
      for (let j = start; j < end; j++) acc *= x[j];
      return acc;
    case "max":
      acc = -Infinity;
      for (let j = start; j < end && !Number.isNaN(acc); j++) if (x[j] > acc || Number.isNaN(x[j])) acc = x[j];
      return acc;
    case "min":
      acc = Infinity;
      for (let j = start; j < end && !Number.isNaN(acc); j++) if (x[j] < acc || Number.isNaN(x[j])) acc = x[j];
      return acc;
  }
}

function splitAtAxis(shape: Shape, axis: number): { outer: number; axisSize: number; inner: number } {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    axisSize: shape[axis],
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

/**
 * Calls `body(xBase, fBase, yBase)` for every (batch, output pixel, filter tap)
 * whose input pixel is inside the image: xBase indexes channel 0 of that input
 * pixel, fBase channel (0, 0) of the tap's filter slice, yBase channel 0 of the output pixel.
 * One call covers a whole channel loop, so the closure runs per tap, not per element.
 */
function forEachConvTap(g: Conv2DGeometry, body: (xBase: number, fBase: number, yBase: number) => void): void {
  const C = g.inChannels;
  const O = g.outChannels;
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        const yBase = ((b * g.outHeight + oy) * g.outWidth + ox) * O;
        for (let fy = 0; fy < g.filterHeight; fy++) {
          const iy = oy * g.strideHeight - g.padTop + fy * g.dilationHeight;
          if (iy < 0 || iy >= g.inHeight) continue;
          for (let fx = 0; fx < g.filterWidth; fx++) {
            const ix = ox * g.strideWidth - g.padLeft + fx * g.dilationWidth;
            if (ix < 0 || ix >= g.inWidth) continue;
            const xBase = ((b * g.inHeight + iy) * g.inWidth + ix) * C;
            const fBase = (fy * g.filterWidth + fx) * C * O;
            body(xBase, fBase, yBase);
          }
        }
      }
    }
  }
}

/**
 * Calls `body(yBase, taps, count)` for every output pixel of a pooling pass:
 * taps[0..count) are offsets of channel 0 of the window's in-bounds input pixels, in row-major window order.
 */
function forEachPoolWindow(g: Pool2DGeometry, body: (yBase: number, taps: Int32Array, count: number) => void): void {
  const C = g.channels;
  const taps = new Int32Array(g.windowHeight * g.windowWidth);
  for (let b = 0; b < g.batch; b++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        let count = 0;
        for (let wy = 0; wy < g.windowHeight; wy++) {
          const iy = oy * g.strideHeight - g.padTop + wy;
          if (iy < 0 || iy >= g.inHeight) continue;
          for (let wx = 0; wx < g.windowWidth; wx++) {
            const ix = ox * g.strideWidth - g.padLeft + wx;
            if (ix < 0 || ix >= g.inWidth) continue;
            taps[count++] = ((b * g.inHeight + iy) * g.inWidth + ix) * C;
          }
        }
        body(((b * g.outHeight + oy) * g.outWidth + ox) * C, taps, count);
      }
    }
  }
}

/**
 * out[i] = op(x[i]) in float64 for i < out.length. The wasm backend runs its transcendental ops through
 * this loop too, reading and writing its float32 heap: the values are those of a float64 result rounded
 * to float32, as when it copied the operand out and the result back.
 */
export function unaryLoop(
  op: UnaryOp,
  x: ArrayLike<number>,
  out: { [i: number]: number; readonly length: number },
  alpha: number,
): void {
  const n = out.length;
  switch (op) {
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      return;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return;
    case "square":
      for (let i = 0; i < n; i++) out[i] = x[i] * x[i];
      return;
    case "reciprocal":
      for (let i = 0; i < n; i++) out[i] = 1 / x[i];
      return;
    case "sign":
      for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]);
      return;
    case "tanh":
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
      }
      return;
    case "relu":
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0);
      return;
    case "leakyRelu":
      for (let i = 0; i < n; i++) out[i] = x[i] >= 0 ? x[i] : alpha * x[i];
      return;
    case "elu":
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : alpha * Math.expm1(x[i]);
      return;
    case "erf":
      for (let i = 0; i < n; i++) out[i] = erf(x[i]);
      return;
    case "softplus":
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0) + Math.log1p(Math.exp(-Math.abs(x[i])));
      return;
    case "sin":
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]);
      return;
    case "cos":
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]);
      return;
    case "floor":
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]);
      return;
    case "ceil":
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]);
      return;
    case "round":
      for (let i = 0; i < n; i++) out[i] = Math.sign(x[i]) * Math.floor(Math.abs(x[i]) + 0.5);
      return;
    default:
      throw new Error(`reference backend: unknown unary op "${String(op satisfies never)}"`);
  }
}

function binaryLoop(op: BinaryOp, a: RefData, ai: Int32Array, b: RefData, bi: Int32Array, out: Float64Array): void {
  const n = out.length;
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] + b[bi[i]];
      return;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] - b[bi[i]];
      return;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] * b[bi[i]];
      return;
    case "div":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] / b[bi[i]];
      return;
    case "pow":
      for (let i = 0; i < n; i++) out[i] = Math.pow(a[ai[i]], b[bi[i]]);
      return;
    case "maximum":
      for (let i = 0; i < n; i++) out[i] = Math.max(a[ai[i]], b[bi[i]]);
      return;
    case "minimum":
      for (let i = 0; i < n; i++) out[i] = Math.min(a[ai[i]], b[bi[i]]);
      return;
    case "eq":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] === b[bi[i]] ? 1 : 0;
      return;
    case "ne":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] !== b[bi[i]] ? 1 : 0;
      return;
    case "lt":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] < b[bi[i]] ? 1 : 0;
      return;
    case "le":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] <= b[bi[i]] ? 1 : 0;
      return;
    case "gt":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] > b[bi[i]] ? 1 : 0;
      return;
    case "ge":
      for (let i = 0; i < n; i++) out[i] = a[ai[i]] >= b[bi[i]] ? 1 : 0;
      return;
  }
}
