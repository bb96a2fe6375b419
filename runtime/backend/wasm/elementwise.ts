/**
 * Elementwise and reduction kernels split across threads. These are memory
 * bound, so small arrays stay on the calling thread (a hand-off costs more
 * than it saves) and large ones are cut into equal static shares.
 */
import { sizeOf, type Shape } from "../backend";
import type { Block } from "./heap";
import type { WasmKernels } from "./kernels";
import { collapseBroadcast, type ReduceBlock } from "./shapes";
import { share, type Kernel } from "./threads";

/** Elements below which an elementwise op or reduction runs on one thread. */
const PARALLEL_MIN_ELEMENTS = 1 << 17;

/** y[i] = op(x[i]) for i < n with unary kernel `name` (e.g. "unaryRelu"). */
export function unary(k: WasmKernels, name: string, x: Block, y: Block, n: number, alpha: number): void {
  split(k, n, name, (lo, hi) => [x.ptr + lo * 4, y.ptr + lo * 4, hi - lo, alpha]);
}

/** A same-size kernel over `n` elements of every block, then scalar arguments (e.g. "adamStep"). */
export function fused(k: WasmKernels, name: string, blocks: Block[], n: number, scalars: number[]): void {
  split(k, n, name, (lo, hi) => [...blocks.map((b) => b.ptr + lo * 4), hi - lo, ...scalars]);
}

/** out = max(x + bias, 0) over [rows, channels] (bias [channels]), split by rows. */
export function biasRelu(k: WasmKernels, x: Block, bias: Block, out: Block, rows: number, channels: number): void {
  split(
    k,
    rows,
    "biasRelu",
    (lo, hi) => [x.ptr + lo * channels * 4, bias.ptr, out.ptr + lo * channels * 4, hi - lo, channels],
    rows,
    rows * channels,
  );
}

/**
 * Runs a broadcast kernel (`binaryAdd`, ..., `where`) whose arguments are
 * each operand's pointer and three strides, then the output pointer and
 * three dims. The broadcast is collapsed to the kernel's three
 * dims; deeper ones loop here, and each block is split across threads along
 * its outermost dim with room for it.
 */
export function broadcast(
  k: WasmKernels,
  name: string,
  operands: Block[],
  operandShapes: Shape[],
  out: Block,
  outShape: Shape,
  broadcastStrides: (s: Shape, out: Shape) => number[],
): void {
  const n = sizeOf(outShape);
  const sizes = operandShapes.map(sizeOf);
  if (sizes.every((m) => m === n || m === 1)) {
    // Same-size and scalar operands (most calls): one contiguous run, nothing to collapse.
    split(k, n, name, (lo, hi) => [
      ...operands.flatMap((h, o) => (sizes[o] === n ? [h.ptr + lo * 4, 0, 0, 1] : [h.ptr, 0, 0, 0])),
      out.ptr + lo * 4,
      1,
      1,
      hi - lo,
    ]);
    return;
  }
  if (operands.length === 2) {
    // A full operand and one that repeats along the leading axes (a bias [C] against [N, C]): one kernel
    // call over [rows, inner] with no collapsing (the common broadcast of layers; the same elements).
    const small = sizes[0] === n ? 1 : sizes[1] === n ? 0 : -1;
    const inner = small < 0 ? 0 : trailingRepeat(operandShapes[small], outShape);
    if (inner > 0) {
      const rows = n / inner;
      const full = operands[1 - small];
      const part = operands[small];
      split(
        k,
        rows,
        name,
        (lo, hi) => {
          const f = [full.ptr + lo * inner * 4, 0, inner, 1];
          const p = [part.ptr, 0, 0, 1];
          return [...(small === 1 ? [...f, ...p] : [...p, ...f]), out.ptr + lo * inner * 4, 1, hi - lo, inner];
        },
        rows,
        n,
      );
      return;
    }
  }
  const { dims, strides } = collapseBroadcast(
    outShape,
    operandShapes.map((s) => broadcastStrides(s, outShape)),
  );
  while (dims.length < 3) {
    dims.unshift(1);
    strides.forEach((s) => s.unshift(0));
  }
  const outer = dims.length - 3;
  const inner = dims.slice(outer);
  const innerStrides = strides.map((s) => s.slice(outer));
  const blockSize = inner[0] * inner[1] * inner[2];
  const idx = new Array<number>(outer).fill(0);
  const blocks = sizeOf(dims.slice(0, outer));
  // Split along the outermost of the three dims that is at least as long as the thread count.
  const d = inner[0] >= k.threads ? 0 : inner[1] >= k.threads ? 1 : 2;
  const after = inner.slice(d + 1).reduce((p, n) => p * n, 1);
  for (let i = 0; i < blocks; i++) {
    const offsets = strides.map((s) => idx.reduce((acc, v, j) => acc + v * s[j], 0));
    split(
      k,
      blockSize,
      name,
      (lo, hi) => {
        const part = [...inner];
        part[d] = hi - lo;
        const args = operands.flatMap((h, o) => [
          h.ptr + (offsets[o] + lo * innerStrides[o][d]) * 4,
          ...innerStrides[o],
        ]);
        return [...args, out.ptr + (i * blockSize + lo * after) * 4, ...part];
      },
      inner[d],
      blockSize,
    );
    for (let j = outer - 1; j >= 0 && ++idx[j] === dims[j]; j--) idx[j] = 0;
  }
}

/**
 * One middle-axis reduction step into `out` ([outer, inner]). Many outer rows
 * split by rows; a single long reduction splits the reduced axis into
 * per-thread partial results that a second pass combines.
 */
export function reduce(k: WasmKernels, name: string, x: Block, out: Block, s: ReduceBlock): void {
  const fn = k.exports[name] as Kernel;
  const total = s.outer * s.r * s.inner;
  const T = k.threads;
  if (T === 1 || total < PARALLEL_MIN_ELEMENTS) {
    fn(x.ptr, out.ptr, s.outer, s.r, s.inner);
  } else if (s.outer >= T) {
    split(
      k,
      s.outer,
      name,
      (lo, hi) => [x.ptr + lo * s.r * s.inner * 4, out.ptr + lo * s.inner * 4, hi - lo, s.r, s.inner],
      s.outer,
      total,
    );
  } else {
    // outer < T: reduce each outer row's r axis in T pieces, then combine the T partial rows.
    const partial = k.heap.alloc(T * s.inner * 4);
    for (let o = 0; o < s.outer; o++) {
      const base = x.ptr + o * s.r * s.inner * 4;
      k.parallel(name, (t) => {
        const [lo, hi] = share(s.r, T, t);
        return [base + lo * s.inner * 4, partial.ptr + t * s.inner * 4, 1, hi - lo, s.inner];
      });
      fn(partial.ptr, out.ptr + o * s.inner * 4, 1, T, s.inner);
    }
    k.heap.release(partial);
  }
}

/**
 * The size of `shape` when it is the trailing axes of `out` (leading 1s aside) and smaller than `out`,
 * so that it repeats unchanged along out's leading axes; else 0.
 */
function trailingRepeat(shape: Shape, out: Shape): number {
  let first = 0;
  while (first < shape.length && shape[first] === 1) first++;
  const rank = shape.length - first;
  if (rank === 0 || rank >= out.length) return 0;
  let size = 1;
  for (let i = 0; i < rank; i++) {
    const d = shape[first + i];
    if (d !== out[out.length - rank + i]) return 0;
    size *= d;
  }
  return size;
}

// Runs `name` over [0, n) of a dim: on this thread alone when the work (`work`
// elements, default n) is small, else in one share per thread.
function split(
  k: WasmKernels,
  n: number,
  name: string,
  argsOf: (lo: number, hi: number) => number[],
  dim = n,
  work = n,
): void {
  if (k.threads === 1 || work < PARALLEL_MIN_ELEMENTS || dim < k.threads) {
    (k.exports[name] as Kernel)(...argsOf(0, dim));
    return;
  }
  k.parallel(name, (t) => {
    const [lo, hi] = share(dim, k.threads, t);
    return argsOf(lo, hi);
  });
}
