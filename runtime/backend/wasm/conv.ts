/**
 * Convolution and pooling on the wasm kernels, split across threads:
 * convolutions by tasks that threads claim from a shared counter (see
 * assembly/conv.ts), pooling by equal shares of the batch.
 */
import type { Conv2DGeometry, Pool2DGeometry } from "../backend";
import type { Block } from "./heap";
import type { WasmKernels } from "./kernels";
import { share, type Kernel } from "./threads";

/** Multiply-adds below which a convolution runs on the calling thread alone. */
const PARALLEL_MIN_MACS = 1 << 18;

export function conv2dForward(k: WasmKernels, x: Block, w: Block, y: Block, g: Conv2DGeometry): void {
  const geo = writeConvGeometry(k, g);
  k.parallelTasks("conv2dForward", threadsFor(k, g), (t) => [geo, x.ptr, w.ptr, y.ptr, k.counter.ptr, k.scratch[t].ptr]);
}

export function conv2dBackpropInput(k: WasmKernels, dy: Block, w: Block, dx: Block, g: Conv2DGeometry): void {
  const geo = writeConvGeometry(k, g);
  k.parallelTasks("conv2dBackpropInput", threadsFor(k, g), (t) => [geo, dy.ptr, w.ptr, dx.ptr, k.counter.ptr, k.scratch[t].ptr]);
}

export function conv2dBackpropFilter(k: WasmKernels, x: Block, dy: Block, dw: Block, g: Conv2DGeometry): void {
  const geo = writeConvGeometry(k, g);
  const filterFloats = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
  const T = threadsFor(k, g);
  // Each thread accumulates into its own partial filter gradient; they are summed at the end.
  const partials: Block[] = [dw];
  for (let t = 1; t < T; t++) partials.push(k.heap.alloc(filterFloats * 4));
  for (const p of partials) k.heap.f32.fill(0, p.ptr >> 2, (p.ptr >> 2) + filterFloats);
  k.parallelTasks("conv2dBackpropFilter", T, (t) => [geo, x.ptr, dy.ptr, partials[t].ptr, k.counter.ptr, k.scratch[t].ptr]);
  for (let t = 1; t < T; t++) {
    (k.exports.binaryAdd as Kernel)(dw.ptr, 0, 0, 1, partials[t].ptr, 0, 0, 1, dw.ptr, 1, 1, filterFloats);
    k.heap.release(partials[t]);
  }
}

export function pool2d(k: WasmKernels, isAvg: boolean, x: Block, y: Block, g: Pool2DGeometry): void {
  const geo = writePoolGeometry(k, g);
  forEachImage(k, g.batch, poolWork(g), isAvg ? "avgPool2dForward" : "maxPool2dForward", (b0, b1) => [geo, x.ptr, y.ptr, b0, b1]);
}

export function maxPool2dBackward(k: WasmKernels, dy: Block, x: Block, dx: Block, g: Pool2DGeometry): void {
  const geo = writePoolGeometry(k, g);
  forEachImage(k, g.batch, poolWork(g), "maxPool2dBackward", (b0, b1) => [geo, dy.ptr, x.ptr, dx.ptr, b0, b1]);
}

export function avgPool2dBackward(k: WasmKernels, dy: Block, dx: Block, g: Pool2DGeometry): void {
  const geo = writePoolGeometry(k, g);
  forEachImage(k, g.batch, poolWork(g), "avgPool2dBackward", (b0, b1) => [geo, dy.ptr, dx.ptr, b0, b1]);
}

function convMacs(g: Conv2DGeometry): number {
  return g.batch * g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
}

function threadsFor(k: WasmKernels, g: Conv2DGeometry): number {
  return convMacs(g) < PARALLEL_MIN_MACS ? 1 : k.threads;
}

function poolWork(g: Pool2DGeometry): number {
  return g.batch * g.outHeight * g.outWidth * g.channels * g.windowHeight * g.windowWidth;
}

function forEachImage(k: WasmKernels, batch: number, work: number, name: string,
  argsOf: (b0: number, b1: number, t: number) => number[]): void {
  const T = work < PARALLEL_MIN_MACS ? 1 : Math.min(k.threads, batch);
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
  k.heap.i32.set([g.batch, g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth,
    g.padTop, g.padLeft], at);
  return k.geometry.ptr;
}

function writePoolGeometry(k: WasmKernels, g: Pool2DGeometry): number {
  const at = k.geometry.ptr >> 2;
  k.heap.i32.set([g.batch, g.inHeight, g.inWidth, g.channels, g.outHeight, g.outWidth,
    g.windowHeight, g.windowWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft], at);
  return k.geometry.ptr;
}

