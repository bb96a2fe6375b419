/**
 * The fused recurrent scan on the wasm kernels (assembly/recurrent.ts): a
 * cell's forward over a whole sequence and its backpropagation through time,
 * each one kernel call whose threads claim blocks of batch rows. The
 * recurrent kernel's gradient is one GEMM after the backward loop,
 * hPrevᵀ dRec over all rows and steps at once, and the recurrent bias's
 * another (a row of ones times dRec).
 */
import type { RecurrentScanGeometry } from "../backend";
import { gemm } from "./gemm";
import type { Block } from "./heap";
import type { WasmKernels } from "./kernels";
import type { Kernel } from "./threads";

type Cell = RecurrentScanGeometry["cell"];

/** The kernels' cell numbers, gate blocks and states. */
const CELLS: Record<Cell, { id: number; gates: number; states: number }> = {
  lstm: { id: 0, gates: 4, states: 2 },
  gru: { id: 1, gates: 3, states: 1 },
  simpleRnn: { id: 2, gates: 1, states: 1 },
};

/**
 * Below this many multiply-adds in a whole scan, one thread runs it: the bench's LSTM (1.2M) trained at
 * 19-21k samples/s on two threads with this at 2^17 and at the one-thread 24-25k with 2^22 (decisions.md 53).
 */
export const PARALLEL_MIN_MACS = 1 << 22;

/** Floats the forward saves for the backward (the kernels' layout). */
export function savedSize(k: WasmKernels, g: RecurrentScanGeometry): number {
  const width = (k.exports.recurrentSavedWidth as Kernel)(CELLS[g.cell].id) as number;
  return g.batch * g.time * width * g.units;
}

/** Threads, and rows per task: a multiple of the step GEMM's 4-row tile, about four tasks per thread. */
function split(k: WasmKernels, g: RecurrentScanGeometry): { rows: number; threads: number } {
  const width = CELLS[g.cell].gates * g.units;
  const macs = g.batch * g.time * g.units * width;
  const threads = macs < PARALLEL_MIN_MACS ? 1 : Math.min(k.threads, Math.ceil(g.batch / 4));
  const rows = threads === 1 ? g.batch : Math.max(4, Math.ceil(g.batch / (4 * threads) / 4) * 4);
  // The forward's per-thread scratch holds one block's recurrent term, rows x width floats.
  const need = rows * width * 4;
  if (k.scratch[0].bytes < need) k.ensureScratch(need);
  return { rows, threads };
}

export interface ForwardBlocks {
  projected: Block;
  recurrentKernel: Block;
  recurrentBias: Block | null;
  initialStates: readonly Block[];
  mask: Block | null;
  states: Block;
  saved: Block;
}

export function scanForward(k: WasmKernels, g: RecurrentScanGeometry, b: ForwardBlocks): void {
  const { rows, threads } = split(k, g);
  const [h0, c0] = b.initialStates;
  k.parallelTasks("recurrentForward", threads, (t) => [
    CELLS[g.cell].id,
    k.counter.ptr,
    rows,
    g.batch,
    g.time,
    g.units,
    +g.goBackwards,
    b.projected.ptr,
    b.recurrentKernel.ptr,
    b.recurrentBias ? b.recurrentBias.ptr : 0,
    h0.ptr,
    c0 ? c0.ptr : 0,
    b.mask ? b.mask.ptr : 0,
    b.states.ptr,
    b.saved.ptr,
    k.scratch[t].ptr,
  ]);
}

export interface ScanGradients {
  dProjected: Block;
  dRecurrentKernel: Block;
  dRecurrentBias: Block | null;
  dInitialStates: Block[];
}

/** `alloc(floats)` gives new blocks; the temporaries are released here. */
export function scanBackward(
  k: WasmKernels,
  g: RecurrentScanGeometry,
  dStates: Block,
  b: Omit<ForwardBlocks, "projected" | "recurrentBias"> & { withBias: boolean },
  alloc: (floats: number) => Block,
): ScanGradients {
  const { batch, time, units } = g;
  const cell = CELLS[g.cell];
  const width = cell.gates * units;
  const rows = batch * time;
  const dProjected = alloc(rows * width);
  const out: ScanGradients = {
    dProjected,
    dRecurrentKernel: alloc(units * width),
    dRecurrentBias: b.withBias ? alloc(width) : null,
    dInitialStates: Array.from({ length: cell.states }, () => alloc(batch * units)),
  };
  // The GRU's recurrent term gets other gradients than its projected inputs (its candidate's are scaled by r).
  const dRec = g.cell === "gru" ? alloc(rows * width) : dProjected;
  const rT = alloc(width * units);
  const hPrev = alloc(rows * units);
  const f32 = k.heap.f32;
  const r = b.recurrentKernel.ptr >> 2;
  const t = rT.ptr >> 2;
  for (let i = 0; i < units; i++) for (let j = 0; j < width; j++) f32[t + j * units + i] = f32[r + i * width + j];
  const { rows: taskRows, threads } = split(k, g);
  const [h0, c0] = b.initialStates;
  const [dh0, dc0] = out.dInitialStates;
  k.parallelTasks("recurrentBackward", threads, () => [
    cell.id,
    k.counter.ptr,
    taskRows,
    batch,
    time,
    units,
    +g.goBackwards,
    dStates.ptr,
    b.states.ptr,
    b.saved.ptr,
    rT.ptr,
    h0.ptr,
    c0 ? c0.ptr : 0,
    b.mask ? b.mask.ptr : 0,
    dProjected.ptr,
    dRec.ptr,
    dh0.ptr,
    dc0 ? dc0.ptr : 0,
    hPrev.ptr,
  ]);
  // dR = Σ over rows and steps of h_{k-1}ᵀ dRec: [units, batch * time] x [batch * time, width].
  const product = { transA: true, transB: false, alpha: 1, b: dRec.ptr, ldb: width, beta: 0, n: width };
  gemm(k, { ...product, m: units, k: rows, a: hPrev.ptr, lda: units, c: out.dRecurrentKernel.ptr, ldc: width });
  if (out.dRecurrentBias) {
    // Column sums of dRec, as [1, batch * time] ones times dRec.
    const ones = alloc(rows);
    f32.fill(1, ones.ptr >> 2, (ones.ptr >> 2) + rows);
    gemm(k, { ...product, m: 1, k: rows, a: ones.ptr, lda: 1, c: out.dRecurrentBias.ptr, ldc: width });
    k.heap.release(ones);
  }
  for (const temporary of [rT, hPrev, ...(dRec === dProjected ? [] : [dRec])]) k.heap.release(temporary);
  return out;
}
