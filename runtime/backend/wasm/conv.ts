/**
 * Convolution and pooling on the wasm kernels, split across threads:
 * convolutions by tasks that threads claim from a shared counter (see
 * assembly/conv.ts; the filter gradient by fixed groups, so that it repeats
 * exactly), pooling by equal shares of the batch.
 */
import type { Conv2DGeometry, Pool2DGeometry } from "../backend";
import type { Block } from "./heap";
import type { WasmKernels } from "./kernels";
import { share, type Kernel } from "./threads";

/**
 * Groups the filter gradient's chunks are summed in: more than the threads, so a descheduled thread holds
 * up little, and fixed, so the order of the sum does not depend on the threads.
 */
const FILTER_GRADIENT_GROUPS = 8;

/** Multiply-adds below which a convolution runs on the calling thread alone. */
const PARALLEL_MIN_MACS = 1 << 18;

/**
 * Window taps (outputs x window size, see poolWork) below which pooling and its gradients run on the
 * calling thread alone. Above it the batch is split into equal shares of whole images, one share a thread:
 * an image's windows are visited in the same order on any thread, so results are bit for bit those of one
 * thread (the gradient of overlapping windows sums into an input in that order too).
 */
export const POOL_PARALLEL_MIN_WORK = 1 << 18;

export function conv2dForward(
  k: WasmKernels,
  x: Block,
  w: Block,
  y: Block,
  g: Conv2DGeometry,
  winograd: Winograd = false,
): void {
  if (winogradPays(g, winograd)) {
    winogradConv(k, x, w, y, g, false);
    return;
  }
  const geo = writeConvGeometry(k, g);
  k.parallelTasks("conv2dForward", threadsFor(k, g), (t) => [
    geo,
    x.ptr,
    w.ptr,
    y.ptr,
    k.counter.ptr,
    k.scratch[t].ptr,
  ]);
}

export function conv2dBackpropInput(
  k: WasmKernels,
  dy: Block,
  w: Block,
  dx: Block,
  g: Conv2DGeometry,
  winograd: Winograd = false,
): void {
  if (winogradPays(g, winograd) && g.padTop <= 2 && g.padLeft <= 2) {
    winogradConv(k, dy, w, dx, g, true);
    return;
  }
  const geo = writeConvGeometry(k, g);
  k.parallelTasks("conv2dBackpropInput", threadsFor(k, g), (t) => [
    geo,
    dy.ptr,
    w.ptr,
    dx.ptr,
    k.counter.ptr,
    k.scratch[t].ptr,
  ]);
}

export function conv2dBackpropFilter(
  k: WasmKernels,
  x: Block,
  dy: Block,
  dw: Block,
  g: Conv2DGeometry,
  winograd: Winograd = false,
): void {
  if (winogradPays(g, winograd)) {
    winogradFilterGradient(k, x, dy, dw, g);
    return;
  }
  const geo = writeConvGeometry(k, g);
  const unrolled = g.filterHeight * g.filterWidth * g.inChannels;
  const filterFloats = unrolled * g.outChannels;
  const chunkRows = (k.exports.convChunkRows as (n: number) => number)(unrolled);
  const chunks = Math.ceil((g.batch * g.outHeight * g.outWidth) / chunkRows);
  // A fixed number of groups, whatever the thread count: see assembly/conv.ts for why.
  const groups = Math.max(1, Math.min(FILTER_GRADIENT_GROUPS, chunks));
  const parts = groups === 1 ? dw : k.heap.alloc(groups * filterFloats * 4);
  k.heap.f32.fill(0, parts.ptr >> 2, (parts.ptr >> 2) + groups * filterFloats);
  k.parallelTasks("conv2dBackpropFilter", Math.min(threadsFor(k, g), groups), (t) => [
    geo,
    x.ptr,
    dy.ptr,
    parts.ptr,
    groups,
    k.counter.ptr,
    k.scratch[t].ptr,
  ]);
  if (groups === 1) return;
  const add = k.exports.binaryAdd as Kernel;
  add(parts.ptr, 0, 0, 1, parts.ptr + filterFloats * 4, 0, 0, 1, dw.ptr, 1, 1, filterFloats);
  for (let i = 2; i < groups; i++)
    add(dw.ptr, 0, 0, 1, parts.ptr + i * filterFloats * 4, 0, 0, 1, dw.ptr, 1, 1, filterFloats);
  k.heap.release(parts);
}

export function pool2d(k: WasmKernels, isAvg: boolean, x: Block, y: Block, g: Pool2DGeometry): void {
  const geo = writePoolGeometry(k, g);
  forEachImage(k, g.batch, poolWork(g), isAvg ? "avgPool2dForward" : "maxPool2dForward", (b0, b1) => [
    geo,
    x.ptr,
    y.ptr,
    b0,
    b1,
  ]);
}

export function maxPool2dBackward(k: WasmKernels, dy: Block, x: Block, dx: Block, g: Pool2DGeometry): void {
  const geo = writePoolGeometry(k, g);
  forEachImage(k, g.batch, poolWork(g), "maxPool2dBackward", (b0, b1) => [geo, dy.ptr, x.ptr, dx.ptr, b0, b1]);
}

export function avgPool2dBackward(k: WasmKernels, dy: Block, dx: Block, g: Pool2DGeometry): void {
  const geo = writePoolGeometry(k, g);
  forEachImage(k, g.batch, poolWork(g), "avgPool2dBackward", (b0, b1) => [geo, dy.ptr, dx.ptr, b0, b1]);
}

/**
 * Winograd F(2x2, 3x3) for the convolutions it applies to: off (false), where it pays (true: from
 * WINOGRAD_MIN_CHANNELS input and output channels), or wherever it applies ("all", for tests and measurements).
 */
export type Winograd = boolean | "all";

/**
 * Whether Winograd F(2x2, 3x3) computes this convolution: it applies to stride 1, dilation 1 and a 3x3
 * filter (any padding); `winograd` says where it is routed to.
 */
export function winogradPays(g: Conv2DGeometry, winograd: Winograd): boolean {
  if (winograd === false) return false;
  return (
    g.filterHeight === 3 &&
    g.filterWidth === 3 &&
    g.strideHeight === 1 &&
    g.strideWidth === 1 &&
    g.dilationHeight === 1 &&
    g.dilationWidth === 1 &&
    (winograd === "all" || Math.min(g.inChannels, g.outChannels) >= WINOGRAD_MIN_CHANNELS)
  );
}

/** Fewest input (and output) channels for which Winograd is routed to: below it the transforms cost more than the multiplies saved. */
export const WINOGRAD_MIN_CHANNELS = 8;

/** Bytes of a thread's chunk of tiles (its transformed inputs and products), about half of L2. */
const WINOGRAD_CHUNK_BYTES = 512 * 1024;

/**
 * Winograd F(2x2, 3x3) (assembly/winograd.ts): y = conv(x, w), or with `backpropInput` dx = the full
 * correlation of dy with the rotated, transposed filter (the input gradient; x is then dy, y dx).
 */
function winogradConv(k: WasmKernels, x: Block, w: Block, y: Block, g: Conv2DGeometry, backpropInput: boolean): void {
  const e = k.exports as unknown as Record<string, (...args: number[]) => number>;
  const [inH, inW, inC, outH, outW, outC, padT, padL] = backpropInput
    ? [g.outHeight, g.outWidth, g.outChannels, g.inHeight, g.inWidth, g.inChannels, 2 - g.padTop, 2 - g.padLeft]
    : [g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels, g.padTop, g.padLeft];
  const u = k.heap.alloc(16 * inC * outC * 4);
  e.winogradFilter(w.ptr, u.ptr, inC, outC, backpropInput ? 1 : 0);
  const chunk = winogradChunk(inC, outC);
  k.ensureScratch(e.winogradScratchFloats(chunk, inC, outC) * 4);
  k.parallelTasks("winogradForward", threadsFor(k, g), (t) => [
    x.ptr,
    u.ptr,
    y.ptr,
    g.batch,
    inH,
    inW,
    inC,
    outH,
    outW,
    outC,
    padT,
    padL,
    chunk,
    k.counter.ptr,
    k.scratch[t].ptr,
  ]);
  k.heap.release(u);
}

/**
 * The filter gradient by Winograd F(2x2, 3x3) (assembly/winograd.ts winogradBackpropFilter): the
 * transformed sums in FILTER_GRADIENT_GROUPS fixed groups, added in group order, then dw = G^T dU G.
 */
function winogradFilterGradient(k: WasmKernels, x: Block, dy: Block, dw: Block, g: Conv2DGeometry): void {
  const e = k.exports as unknown as Record<string, (...args: number[]) => number>;
  const inC = g.inChannels;
  const outC = g.outChannels;
  const chunk = winogradChunk(inC, outC);
  const tiles = g.batch * Math.ceil(g.outHeight / 2) * Math.ceil(g.outWidth / 2);
  const groups = Math.max(1, Math.min(FILTER_GRADIENT_GROUPS, Math.ceil(tiles / chunk)));
  const partFloats = 16 * inC * outC;
  const parts = k.heap.alloc(groups * partFloats * 4);
  k.heap.f32.fill(0, parts.ptr >> 2, (parts.ptr >> 2) + groups * partFloats);
  k.ensureScratch(e.winogradScratchFloats(chunk, inC, outC) * 4);
  k.parallelTasks("winogradBackpropFilter", Math.min(threadsFor(k, g), groups), (t) => [
    x.ptr,
    dy.ptr,
    parts.ptr,
    groups,
    g.batch,
    g.inHeight,
    g.inWidth,
    inC,
    g.outHeight,
    g.outWidth,
    outC,
    g.padTop,
    g.padLeft,
    chunk,
    k.counter.ptr,
    k.scratch[t].ptr,
  ]);
  const add = k.exports.binaryAdd as Kernel;
  for (let i = 1; i < groups; i++)
    add(parts.ptr, 0, 0, 1, parts.ptr + i * partFloats * 4, 0, 0, 1, parts.ptr, 1, 1, partFloats);
  e.winogradFilterGradient(parts.ptr, dw.ptr, inC, outC);
  k.heap.release(parts);
}

/** Tiles a chunk: its transformed inputs and products about WINOGRAD_CHUNK_BYTES, a multiple of 4. */
function winogradChunk(inC: number, outC: number): number {
  return Math.max(4, Math.min(256, Math.floor(WINOGRAD_CHUNK_BYTES / (64 * (inC + outC)))) & ~3);
}

function convMacs(g: Conv2DGeometry): number {
  return g.batch * g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
}

function threadsFor(k: WasmKernels, g: Conv2DGeometry): number {
  return convMacs(g) < PARALLEL_MIN_MACS ? 1 : k.threads;
}

/** Window taps pooling visits: outputs times window size. */
export function poolWork(g: Pool2DGeometry): number {
  return g.batch * g.outHeight * g.outWidth * g.channels * g.windowHeight * g.windowWidth;
}

function forEachImage(
  k: WasmKernels,
  batch: number,
  work: number,
  name: string,
  argsOf: (b0: number, b1: number, t: number) => number[],
): void {
  const T = work < POOL_PARALLEL_MIN_WORK ? 1 : Math.min(k.threads, batch);
  if (T <= 1) {
    (k.exports[name] as Kernel)(...argsOf(0, batch, 0));
    return;
  }
  k.parallel(name, (t) => {
    const [b0, b1] = t < T ? share(batch, T, t) : [batch, batch];
    return argsOf(b0, b1, t);
  });
}

// The geometry block is reused by every call: calls are synchronous, so it is never read by two at once.
// Also sizes the scratch for this filter's im2col chunk.
function writeConvGeometry(k: WasmKernels, g: Conv2DGeometry): number {
  const unrolled = g.filterHeight * g.filterWidth * g.inChannels;
  k.ensureScratch((k.exports.convChunkRows as (n: number) => number)(unrolled) * unrolled * 4);
  const at = k.geometry.ptr >> 2;
  k.heap.i32.set(
    [
      g.batch,
      g.inHeight,
      g.inWidth,
      g.inChannels,
      g.outHeight,
      g.outWidth,
      g.outChannels,
      g.filterHeight,
      g.filterWidth,
      g.strideHeight,
      g.strideWidth,
      g.dilationHeight,
      g.dilationWidth,
      g.padTop,
      g.padLeft,
    ],
    at,
  );
  return k.geometry.ptr;
}

function writePoolGeometry(k: WasmKernels, g: Pool2DGeometry): number {
  const at = k.geometry.ptr >> 2;
  k.heap.i32.set(
    [
      g.batch,
      g.inHeight,
      g.inWidth,
      g.channels,
      g.outHeight,
      g.outWidth,
      g.windowHeight,
      g.windowWidth,
      g.strideHeight,
      g.strideWidth,
      g.padTop,
      g.padLeft,
    ],
    at,
  );
  return k.geometry.ptr;
}
