/**
 * The compute backend interface: the small set of primitives every backend
 * implements. Everything else (softmax, variance, losses, every backward pass,
 * conv2dTranspose, upsampling, dropout, oneHot, ...) is composed from these in
 * the op layer (runtime/ops/), so a new backend writes these kernels and
 * nothing more, and the conformance suite (test/runtime/backend_conformance.ts)
 * checks each of them against the float64 reference.
 *
 * Conventions that hold for every primitive:
 * - Storage is contiguous and row-major (C order). A shape is a list of
 *   dimension sizes; `size(shape)` is their product; a scalar has shape `[]`
 *   and size 1. Sizes of 0 occur (empty tensors) and must work.
 * - Data is float32 unless a primitive says int32 (argmax/argmin results,
 *   gather/scatter indices, `cast`). Float primitives receive float32 data
 *   only: the op layer casts int32 inputs first.
 * - A primitive never mutates its inputs and always returns a fresh handle
 *   that the caller owns (it will call `dispose` on it exactly once).
 * - Shapes and geometry are validated by the op layer before a primitive is
 *   called; a backend may assume valid arguments.
 * - Handles are opaque: a GPU backend may keep data on the GPU until `read`.
 */

export type DType = "float32" | "int32";
export type Shape = readonly number[];

/** Typed array of a dtype: what `upload` accepts and `read` returns. */
export type TypedData = Float32Array | Int32Array;

/**
 * What `upload` converts from. Bytes (Uint8Array) let a data set stored as
 * bytes (MNIST's IDX files) go to the backend without a float32 copy on the JS side.
 */
export type UploadData = TypedData | Float64Array | Uint8Array;

/** What `nn.backend()` reports. */
export interface BackendInfo {
  /** Registry name, e.g. "reference", "gpujs", "wasm". */
  name: string;
  /** Execution mode within the backend, e.g. gpu.js's "webgpu" | "headlessgl" | "cpu"; "js" for plain JS. */
  mode: string;
  /** Worker threads used for compute (1 when single-threaded). */
  threads: number;
  /** Whether kernels use SIMD instructions. */
  simd: boolean;
}

/** y = f(x) elementwise. `alpha` is used by leakyRelu (slope for x < 0) and elu (scale of exp(x) - 1 for x < 0). */
export type UnaryOp =
  | "neg" // -x
  | "abs" // |x|
  | "exp" // e^x
  | "log" // ln x (NaN for x < 0, -Infinity at 0)
  | "sqrt" // sqrt x (NaN for x < 0)
  | "square" // x * x
  | "reciprocal" // 1 / x
  | "sign" // -1, 0 or 1 (0 at 0, NaN stays NaN)
  | "tanh"
  | "sigmoid" // 1 / (1 + e^-x), computed without overflow for large |x|
  | "relu" // max(x, 0)
  | "leakyRelu" // x >= 0 ? x : alpha * x
  | "elu" // x > 0 ? x : alpha * (e^x - 1)
  | "erf" // the Gauss error function (gelu is composed from it); an approximation with |error| < 1e-6 is fine
  | "softplus" // ln(1 + e^x), computed without overflow: max(x, 0) + ln(1 + e^-|x|)
  | "sin"
  | "cos"
  | "floor"
  | "ceil"
  | "round"; // halves away from zero (Math.round differs for negative halves: use sign(x) * floor(|x| + 0.5))

/**
 * out = f(a, b) elementwise with NumPy broadcasting. Comparisons give 1 or 0
 * (float32). `pow` follows Math.pow; `maximum`/`minimum` propagate NaN.
 */
export type BinaryOp =
  "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum" | "eq" | "ne" | "lt" | "le" | "gt" | "ge";

/** Reductions. `sum` of an empty set is 0, `prod` 1, `max` -Infinity, `min` +Infinity. */
export type ReduceOp = "sum" | "prod" | "max" | "min";

/**
 * Sizes of one 2-D convolution, computed once by the op layer
 * (runtime/ops/conv.ts) so backends only do arithmetic. Layouts: input
 * [batch, inHeight, inWidth, inChannels] (NHWC), filter
 * [filterHeight, filterWidth, inChannels, outChannels], output
 * [batch, outHeight, outWidth, outChannels].
 *
 * Output pixel (oy, ox) reads input pixel
 *   iy = oy * strideHeight - padTop  + fy * dilationHeight
 *   ix = ox * strideWidth  - padLeft + fx * dilationWidth
 * for filter tap (fy, fx); taps outside the input read 0 (zero padding).
 */
export interface Conv2DGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Sizes of one 2-D pooling window pass (NHWC, channels pooled independently):
 * input [batch, inHeight, inWidth, channels], output [batch, outHeight, outWidth, channels].
 * Window (oy, ox) covers iy = oy * strideHeight - padTop + wy for wy in
 * [0, windowHeight), and likewise for x. Padded positions are ignored, never
 * read as 0: max takes the max over the in-bounds taps, avg divides by the
 * number of in-bounds taps (TensorFlow's behaviour for padding "same").
 * A window with no in-bounds tap gives 0.
 */
export interface Pool2DGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  windowHeight: number;
  windowWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * A strided view of a contiguous buffer: element (i0, ..., ik) of the view is
 * buffer[offset + i0 * strides[0] + ... + ik * strides[k]]. Strides may be 0
 * (broadcast) and are never negative. One primitive (`strided`) reads any such
 * view into fresh contiguous storage; transpose, slice with steps, broadcast
 * expansion and diagonal extraction are all views of this kind.
 */
export interface View {
  shape: Shape;
  strides: readonly number[];
  offset: number;
}

/**
 * What a recurrent layer's fused scan computes (the optional `recurrentScan`): the cell, with its
 * activations fixed, and the sizes. The cells are Keras's, with tanh as the activation and sigmoid as
 * the gates' (runtime/keras/recurrent/*_cell.ts): "lstm" 4 gates i, f, c~, o side by side and 2 states
 * h and c; "gru" (resetAfter) 3 gates z, r, h~, a recurrent bias, 1 state; "simpleRnn" 1 gate, 1 state.
 */
export interface RecurrentScanGeometry {
  cell: "lstm" | "gru" | "simpleRnn";
  batch: number;
  time: number;
  units: number;
  /** Process the steps from the last to the first (Keras's go_backwards). */
  goBackwards: boolean;
}

/**
 * A compute backend. `H` is the backend's own storage handle type (a
 * Float64Array for the reference backend, a GPU texture or buffer wrapper for
 * gpu.js); the rest of the runtime treats it as opaque.
 */
export interface Backend<H extends object = object> {
  readonly name: string;
  info(): BackendInfo;

  // ----- storage -----

  /**
   * New storage holding `values` converted to `dtype`. The backend copies:
   * the caller may reuse `values`. A Float64Array keeps its precision on
   * backends that store float64 (the reference); others round to float32.
   */
  upload(values: UploadData, dtype: DType): H;
  /** The `size` elements of `h` as a fresh typed array of `dtype` (Float32Array or Int32Array). Synchronous. */
  read(h: H, size: number, dtype: DType): TypedData;
  /**
   * The `size` elements of `h` as a fresh Float64Array, at the precision the backend keeps them: full
   * float64 on the reference backend (what gradient checks compare), the float32 values elsewhere.
   * For ops that compute on the CPU in float64 (ops/scan.ts).
   */
  readFloat64(h: H, size: number, dtype: DType): Float64Array;
  /**
   * Float data rounded to the float32 values a float32 backend (and a weight file) holds: a backend that
   * keeps more precision (the reference keeps float64) returns new storage with the rounded values; a
   * float32 backend returns `h` itself. What a trained model's weights go through after `fit`, so that a
   * saved-then-loaded model predicts exactly as the one in memory.
   */
  roundToFloat32(h: H, size: number): H;
  /** Frees the storage. Called exactly once per handle; the handle is never used afterwards. */
  dispose(h: H): void;
  /**
   * Optional: what the backend's own allocator holds (`nn.memory()` reports it), for backends that
   * manage memory themselves: bytes of live storage, and bytes reserved (a heap that never shrinks).
   */
  memoryUsage?(): { liveBytes: number; heapBytes: number };
  /**
   * Optional: bytes that new storage of `size` elements would add to the process's resident memory,
   * which the memory limit checks (runtime/memory_limit.ts): 0 where the backend reuses memory it holds
   * already. Without it, 4 bytes an element count.
   */
  residentGrowth?(size: number, dtype: DType): number;

  // ----- optional fused kernels (the op layer composes primitives where a backend has none) -----

  /**
   * Optional: one Adam step over `size` float32 values in one pass: `m` and `v` are updated in place
   * (m += (g - m) * c1, v += (g * g - v) * c2) and the new weights w - m * alpha / (sqrt(v) + eps)
   * come back as new storage. Must give the same values as those primitives composed in that order.
   */
  adamStep?(w: H, g: H, m: H, v: H, size: number, c: { c1: number; c2: number; alpha: number; eps: number }): H;
  /**
   * Optional: dropout's mask, `size` float32 values, each 1 / keep where the next uniform draw of
   * the runtime's generator (runtime/random.ts, whose four state words `state` holds and this
   * advances) is below keep, else 0: the values and the draws that `rand` then `lt` and `div` give.
   */
  dropoutMask?(state: Uint32Array, size: number, keep: number): H;
  /** Optional: max(x + bias, 0) over [rows, channels] with bias [channels] (a layer's bias then relu), float32. */
  biasRelu?(x: H, bias: H, rows: number, channels: number): H;
  /** Optional: dy * (x > 0 ? 1 : 0) over `size` float32 values: relu's gradient, as mul(dy, gt(x, 0)) gives it. */
  reluBackward?(dy: H, x: H, size: number): H;
  /**
   * Optional, with `layerNormBackward`: LayerNormalization over rows of `dim` float32 values, as
   * the composed ops give it (runtime/ops/normalization.ts): c = x - sum(x) / dim,
   * std = sqrt(sum(c * c) / dim + eps), normalized = c / std, y = normalized * gamma + beta
   * (gamma, beta [dim] or null). Returns y and what the backward needs.
   */
  layerNorm?(
    x: H,
    gamma: H | null,
    beta: H | null,
    rows: number,
    dim: number,
    eps: number,
  ): { y: H; centered: H; normalized: H; std: H };
  /**
   * Optional, with `softmaxBackward`: softmax (or, with `log`, logSoftmax) over rows of `dim`
   * float32 values, as the composed ops of runtime/ops/activation.ts give it: the row's maximum
   * subtracted, exp as the reference backend's (JavaScript's Math.exp, rounded to float32), the
   * row sum in the backend's own reduction order.
   */
  softmax?(x: H, rows: number, dim: number, log: boolean): H;
  /** Optional: softmax's input gradient y * (dy - sum(dy * y)) over rows of `dim`, from its output y. */
  softmaxBackward?(dy: H, y: H, rows: number, dim: number): H;
  /** Optional: logSoftmax's input gradient dy - exp(y) * sum(dy) over rows of `dim`, from its output y. */
  logSoftmaxBackward?(dy: H, y: H, rows: number, dim: number): H;
  /**
   * Optional: layerNorm's input gradient in the composed graph's two parts, the centered values'
   * gradient `dCentered` [rows, dim] and the row sum's gradient `dSum` [rows] (broadcast over the row).
   */
  layerNormBackward?(
    dy: H,
    gamma: H | null,
    centered: H,
    normalized: H,
    std: H,
    rows: number,
    dim: number,
  ): { dCentered: H; dSum: H };

  /**
   * Optional, with `recurrentScanBackward`: a recurrent layer's whole recurrence over a sequence in one
   * call, what runtime/ops/scan.ts otherwise runs as float64 loops with the cell's step kernel (its
   * comments give the maths and the layouts), for every cell of RecurrentScanGeometry. `projected`
   * [batch, time, gates * units] (the inputs times the kernel, plus the bias), `recurrentKernel`
   * [units, gates * units], `recurrentBias` [gates * units] added to the recurrent term (the GRU's) or
   * null, `initialStates` (one [batch, units] per state), `mask` [batch, time] of 1 and 0 or null (a
   * masked step carries the states through). Returns every processed step's states [batch, time,
   * states * units] in processing order, and what the backward needs, `saved`, `savedSize` float32
   * values in a layout of the backend's own.
   */
  recurrentScan?(
    g: RecurrentScanGeometry,
    projected: H,
    recurrentKernel: H,
    recurrentBias: H | null,
    initialStates: readonly H[],
    mask: H | null,
  ): { states: H; saved: H; savedSize: number };
  /**
   * Optional, with `recurrentScan`: backpropagation through time from `dStates`, the gradient of the
   * scan's `states`, to the gradients of `projected`, `recurrentKernel`, `recurrentBias` (null without
   * one) and each initial state.
   */
  recurrentScanBackward?(
    g: RecurrentScanGeometry,
    dStates: H,
    states: H,
    saved: H,
    recurrentKernel: H,
    recurrentBias: H | null,
    initialStates: readonly H[],
    mask: H | null,
  ): { dProjected: H; dRecurrentKernel: H; dRecurrentBias: H | null; dInitialStates: H[] };

  // ----- elementwise -----

  /** Converts `size` elements between dtypes. float32 -> int32 truncates toward zero (NaN gives 0). Same dtype: a copy. */
  cast(x: H, size: number, from: DType, to: DType): H;
  /** `size` float32 elements mapped by `op` (see UnaryOp). */
  unary(op: UnaryOp, x: H, size: number, alpha?: number): H;
  /**
   * out[i] = op(a[ia], b[ib]) with NumPy broadcasting: shapes are aligned at
   * the right, a dimension of size 1 stretches to `outShape`'s. The op layer
   * computes `outShape`; both input shapes broadcast to it.
   */
  binary(op: BinaryOp, a: H, aShape: Shape, b: H, bShape: Shape, outShape: Shape): H;
  /** out = cond != 0 ? a : b, all three broadcast to `outShape` (cond is float32). */
  where(cond: H, condShape: Shape, a: H, aShape: Shape, b: H, bShape: Shape, outShape: Shape): H;

  // ----- reductions -----

  /**
   * Reduces `x` (of `shape`) over `axes` (sorted, distinct, non-empty). The
   * output has `shape` with those axes removed, in row-major order; it has
   * one element when every axis is reduced. Empty reduced axes give the op's
   * identity (see ReduceOp).
   */
  reduce(op: ReduceOp, x: H, shape: Shape, axes: readonly number[]): H;
  /**
   * Index (int32) of the largest ("argmax") or smallest ("argmin") element
   * along `axis`; the output is `shape` without `axis`. Ties give the first
   * index; NaN counts as larger than everything (argmax) or smaller (argmin)
   * so it is never silently skipped. The axis has size >= 1.
   */
  argReduce(op: "argmax" | "argmin", x: H, shape: Shape, axis: number): H;

  // ----- linear algebra -----

  /**
   * Batched matrix product out[b] = op(A[b]) @ op(B[b]), op = transpose when
   * the flag is set. `a` is stored as [aBatch, aRows, aCols], `b` as
   * [bBatch, bRows, bCols]; each batch count is either `batch` or 1 (then the
   * single matrix is used for every b). With transA, op(A) is [aCols, aRows].
   * The op layer guarantees op(A) is [m, k] and op(B) is [k, n]; the output
   * is [batch, m, n]. k = 0 gives zeros.
   */
  matmul(
    a: H,
    aShape: readonly [number, number, number],
    b: H,
    bShape: readonly [number, number, number],
    transA: boolean,
    transB: boolean,
    batch: number,
  ): H;

  // ----- convolution (NHWC) -----

  /** Forward convolution: x [batch, inH, inW, inC] and filter [fh, fw, inC, outC] give [batch, outH, outW, outC]. */
  conv2d(x: H, filter: H, g: Conv2DGeometry): H;
  /** Gradient with respect to the input: dy [batch, outH, outW, outC] and filter give dx [batch, inH, inW, inC]. */
  conv2dBackpropInput(dy: H, filter: H, g: Conv2DGeometry): H;
  /** Gradient with respect to the filter: x and dy give dFilter [fh, fw, inC, outC]. */
  conv2dBackpropFilter(x: H, dy: H, g: Conv2DGeometry): H;

  // ----- pooling (NHWC) -----

  /** Max or average pooling of x [batch, inH, inW, channels] to [batch, outH, outW, channels] (see Pool2DGeometry). */
  pool2d(op: "max" | "avg", x: H, g: Pool2DGeometry): H;
  /**
   * Gradient of max pooling: each dy element goes to the position in its
   * window that holds the maximum of x (the first one in row-major window
   * order on ties); contributions of overlapping windows add up. Gives dx
   * shaped like x.
   */
  maxPool2dBackward(dy: H, x: H, g: Pool2DGeometry): H;
  /** Gradient of average pooling: each dy element spread evenly over the in-bounds taps of its window. */
  avgPool2dBackward(dy: H, g: Pool2DGeometry): H;

  // ----- movement -----

  /** Reads the strided view `v` of `x` into fresh contiguous storage of v.shape (see View). Works for float32 and int32 alike. */
  strided(x: H, dtype: DType, v: View): H;
  /**
   * Pads float32 x (of `shape`) with `before[d]` and `after[d]` elements of `value`
   * on each side of dimension d (both non-negative).
   */
  pad(x: H, shape: Shape, before: readonly number[], after: readonly number[], value: number): H;
  /**
   * Joins `inputs` along `axis`: all shapes equal except on `axis`. Works for
   * float32 and int32 alike (all inputs share `dtype`).
   */
  concat(inputs: readonly { data: H; shape: Shape }[], axis: number, dtype: DType): H;
  /**
   * out = x taken at `indices` (int32, `count` of them) along `axis`: the
   * output shape is `shape` with dimension `axis` replaced by `count`. An
   * index outside [0, shape[axis]) reads 0 (the op layer rejects such indices
   * when it can see them).
   */
  gather(x: H, shape: Shape, dtype: DType, indices: H, count: number, axis: number): H;
  /**
   * The adjoint of `gather`: a zero tensor of `shape` with updates (shaped
   * like `shape` except `count` on `axis`) added at `indices` along `axis`;
   * repeated indices accumulate. Out-of-range indices are dropped.
   */
  scatterAdd(updates: H, indices: H, count: number, axis: number, shape: Shape): H;
}

/** Number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** "[2,3]": how errors and reprs write a shape. */
export function shapeString(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Row-major strides of a contiguous shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Strides to read `shape` as if broadcast to `outShape` (right-aligned, 0 where
 * the dimension is 1 or missing). Backends use it to implement `binary` and `where`.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const out = new Array<number>(outShape.length).fill(0);
  const shift = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[i + shift] = shape[i] === 1 ? 0 : own[i];
  return out;
}
