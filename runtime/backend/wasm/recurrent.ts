/**
 * The fused recurrent scan on the wasm kernels (assembly/recurrent.ts): the
 * LSTM's forward over a whole sequence and its backpropagation through time,
 * each one kernel call whose threads claim blocks of batch rows. The
 * recurrent kernel's gradient is one GEMM after the backward loop,
 * hPrevᵀ dProjected over all rows and steps at once.
 */
import type { RecurrentScanGeometry } from "../backend";
import { gemm } from "./gemm";
import type { Block } from "./heap";
import type { WasmKernels } from "./kernels";

/** Floats the forward saves per row and step for the backward: i, f, c~, o and tanh(c). */
export const LSTM_SAVED_WIDTH = 5;

/** Below this many multiply-adds in a whole scan, one thread runs it (a hand-off costs more). */
const PARALLEL_MIN_MACS = 1 << 17;

/** Rows per task: a multiple of the step GEMM's 4-row tile, about four tasks per thread. */
function taskRows(k: WasmKernels, g: RecurrentScanGeometry): { rows: number; threads: number } {
  const macs = g.batch * g.time * g.units * 4 * g.units;
  const threads = macs < PARALLEL_MIN_MACS ? 1 : Math.min(k.threads, Math.ceil(g.batch / 4));
  const rows = threads === 1 ? g.batch : Math.max(4, Math.ceil(g.batch / (4 * threads) / 4) * 4);
  // The forward's per-thread scratch holds one block's recurrent term, rows x 4 units floats.
  const need = rows * 4 * g.units * 4;
  if (k.scratch[0].bytes < need) k.ensureScratch(need);
  return { rows, threads };
}

export function lstmForward(
  k: WasmKernels,
  g: RecurrentScanGeometry,
  projected: Block,
  recurrentKernel: Block,
  [h0, c0]: readonly Block[],
  mask: Block | null,
  states: Block,
  saved: Block,
): void {
  const { rows, threads } = taskRows(k, g);
  k.parallelTasks("lstmForward", threads, (t) => [
    k.counter.ptr,
    rows,
    g.batch,
    g.time,
    g.units,
    +g.goBackwards,
    projected.ptr,
    recurrentKernel.ptr,
    h0.ptr,
    c0.ptr,
    mask ? mask.ptr : 0,
    states.ptr,
    saved.ptr,
    k.scratch[t].ptr,
  ]);
}

export interface LstmGradients {
  dProjected: Block;
  dRecurrentKernel: Block;
  dh0: Block;
  dc0: Block;
}

/** `alloc(floats)` gives new blocks; the temporaries (the transposed kernel, hPrev) are released here. */
export function lstmBackward(
  k: WasmKernels,
  g: RecurrentScanGeometry,
  dStates: Block,
  states: Block,
  saved: Block,
  recurrentKernel: Block,
  [h0, c0]: readonly Block[],
  mask: Block | null,
  alloc: (floats: number) => Block,
): LstmGradients {
  const { batch, time, units } = g;
  const width = 4 * units;
  const out: LstmGradients = {
    dProjected: alloc(batch * time * width),
    dRecurrentKernel: alloc(units * width),
    dh0: alloc(batch * units),
    dc0: alloc(batch * units),
  };
  const rT = alloc(width * units);
  const hPrev = alloc(batch * time * units);
  const f32 = k.heap.f32;
  const r = recurrentKernel.ptr >> 2;
  const t = rT.ptr >> 2;
  for (let i = 0; i < units; i++) for (let j = 0; j < width; j++) f32[t + j * units + i] = f32[r + i * width + j];
  const { rows, threads } = taskRows(k, g);
  k.parallelTasks("lstmBackward", threads, () => [
    k.counter.ptr,
    rows,
    batch,
    time,
    units,
    +g.goBackwards,
    dStates.ptr,
    states.ptr,
    saved.ptr,
    rT.ptr,
    h0.ptr,
    c0.ptr,
    mask ? mask.ptr : 0,
    out.dProjected.ptr,
    out.dh0.ptr,
    out.dc0.ptr,
    hPrev.ptr,
  ]);
  // dR = Σ over rows and steps of h_{k-1}ᵀ dz: [units, batch * time] x [batch * time, 4 units].
  gemm(k, {
    transA: true,
    transB: false,
    m: units,
    n: width,
    k: batch * time,
    alpha: 1,
    a: hPrev.ptr,
    lda: units,
    b: out.dProjected.ptr,
    ldb: width,
    beta: 0,
    c: out.dRecurrentKernel.ptr,
    ldc: width,
  });
  k.heap.release(rT);
  k.heap.release(hPrev);
  return out;
}
