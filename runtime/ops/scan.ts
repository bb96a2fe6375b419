/**
 * The whole recurrence over a sequence as one autograd op (what Keras's
 * recurrent layers run when their cell has a fused step kernel): forward and
 * backpropagation through time run as plain loops over float64 arrays, with
 * the cell's StepKernel doing each step. Composing the step from tensor ops
 * costs a dozen small ops per step, each with fixed overhead that dominates
 * at notebook sizes; this runs the same maths in one op. The layer projects
 * the inputs with one tensor matmul before (so kernel and bias gradients flow
 * as usual) and slices the outputs after.
 *
 * The op's output is every processed step's states side by side,
 * [batch, time, stateCount * units], in processing order.
 *
 * Backend primitives: `readFloat64` (the operands at the precision the backend
 * keeps) and `upload` (the results). A backend with the optional fused
 * `recurrentScan` (the wasm backend's, in float32) runs the whole loop, both
 * directions, for the cells it knows (a kernel's `cell`); the loops here
 * remain the path for every other cell and backend, and for a scan whose
 * per-step state gradients are watched (`onStateGradient`).
 */
import type { Backend, RecurrentScanGeometry } from "../backend/backend";
import { currentBackend } from "../backend/registry";
import { record } from "../autograd";
import { checkMemoryFor, compute, fromHandle, fromValues, type Tensor } from "../tensor/core";

/**
 * A cell's step written as plain loops over float64 arrays, forward and
 * backward side by side (keras/recurrent/step_kernel.ts has the cells'). The
 * scan computes the recurrent term rec = h_{t-1} · recurrentKernel (+ recurrent
 * bias) and hands each kernel one step of a batch.
 *
 * Arrays are row-major [batch, width]: xp and rec are [batch, gates * units],
 * states [batch, units].
 */
export interface StepKernel {
  /** Per-row floats the kernel saves in forward for its backward. */
  readonly cacheWidth: number;
  /** The cell a backend's fused `recurrentScan` computes the same step for, if there is one. */
  readonly cell?: RecurrentScanGeometry["cell"];
  /** Writes the new states into `next` and what backward needs into `cache`. */
  forward(
    batch: number,
    xp: Float64Array,
    rec: Float64Array,
    prev: readonly Float64Array[],
    next: Float64Array[],
    cache: Float64Array,
  ): void;
  /**
   * From the gradients of the new states `dNext`, writes the gradients of xp
   * (`dxp`) and of rec (`drec`), and adds the direct gradients of the
   * previous states (those not through rec) into `dPrev`.
   */
  backward(
    batch: number,
    dNext: readonly Float64Array[],
    cache: Float64Array,
    prev: readonly Float64Array[],
    dxp: Float64Array,
    drec: Float64Array,
    dPrev: Float64Array[],
  ): void;
}

export interface ScanInputs {
  /** [batch, time, width] projected inputs, width = gates * units. */
  projected: Tensor;
  /** [units, width]. */
  recurrentKernel: Tensor;
  /** [width] added to the recurrent term (the GRU's recurrent bias), or null. */
  recurrentBias: Tensor | null;
  /** stateCount tensors [batch, units]. */
  initialStates: readonly Tensor[];
  /** [batch, time] of 1 and 0, or null. */
  mask: Tensor | null;
  goBackwards: boolean;
  units: number;
  stateCount: number;
  /** Called in backward with dL/dh of each step (step index in input time order). */
  onStateGradient?: (step: number, grad: Tensor) => void;
}

export function recurrentScan(kernel: StepKernel, inputs: ScanInputs): Tensor {
  const { projected, recurrentKernel, recurrentBias, initialStates, mask, goBackwards, units, stateCount } = inputs;
  const [batch, time, width] = projected.shape;
  const be = currentBackend();
  const fused =
    kernel.cell !== undefined &&
    be.recurrentScan !== undefined &&
    be.recurrentScanBackward !== undefined &&
    inputs.onStateGradient === undefined &&
    batch > 0 &&
    time > 0 &&
    [
      projected,
      recurrentKernel,
      ...(recurrentBias ? [recurrentBias] : []),
      ...initialStates,
      ...(mask ? [mask] : []),
    ].every((t) => t.dtype === "float32");
  if (fused) return backendScan(be, kernel, { cell: kernel.cell, batch, time, units, goBackwards }, inputs);
  const xp = readFloat64(projected);
  const R = readFloat64(recurrentKernel);
  const rb = recurrentBias ? readFloat64(recurrentBias) : null;
  const m = mask ? readFloat64(mask) : null;
  const stateSize = batch * units;
  const stepSize = batch * width;
  // states[k][s]: state s after processed step k; states[-1] is the initial state, stored at index 0.
  const states: Float64Array[][] = [initialStates.map(readFloat64)];
  const caches: Float64Array[] = [];
  const xpStep = new Float64Array(stepSize);
  const rec = new Float64Array(stepSize);
  const out = new Float64Array(batch * time * stateCount * units);
  for (let k = 0; k < time; k++) {
    const t = goBackwards ? time - 1 - k : k;
    const prev = states[k];
    gatherStep(xp, xpStep, batch, time, width, t);
    recurrentTerm(prev[0], R, rb, rec, batch, units, width);
    const next = Array.from({ length: stateCount }, () => new Float64Array(stateSize));
    const cache = new Float64Array(batch * kernel.cacheWidth);
    kernel.forward(batch, xpStep, rec, prev, next, cache);
    if (m) carryMaskedRows(next, prev, m, batch, time, t, units);
    states.push(next);
    caches.push(cache);
    for (let s = 0; s < stateCount; s++) scatterState(next[s], out, batch, time, stateCount, units, k, s);
  }
  const result = fromValues(out, [batch, time, stateCount * units], "float32");
  const tensorInputs = [projected, recurrentKernel, ...(recurrentBias ? [recurrentBias] : []), ...initialStates];
  return record("recurrentScan", result, tensorInputs, (dy) => {
    const dOut = readFloat64(dy);
    const dxp = new Float64Array(xp.length);
    const dR = new Float64Array(R.length);
    const drb = new Float64Array(width);
    let carry = Array.from({ length: stateCount }, () => new Float64Array(stateSize));
    const dxpStep = new Float64Array(stepSize);
    const drec = new Float64Array(stepSize);
    for (let k = time - 1; k >= 0; k--) {
      const t = goBackwards ? time - 1 - k : k;
      const prev = states[k];
      for (let s = 0; s < stateCount; s++) addStateGradient(dOut, carry[s], batch, time, stateCount, units, k, s);
      if (inputs.onStateGradient)
        inputs.onStateGradient(t, fromValues(Float64Array.from(carry[0]), [batch, units], "float32"));
      const dPrev = Array.from({ length: stateCount }, () => new Float64Array(stateSize));
      // A masked row passes its state through: the gradient goes to the previous state, not to the step.
      const dNext = m ? carry.map((c) => Float64Array.from(c)) : carry;
      if (m) splitMaskedGradient(dNext, dPrev, m, batch, time, t, units);
      kernel.backward(batch, dNext, caches[k], prev, dxpStep, drec, dPrev);
      recurrentTermBackward(prev[0], R, drec, dR, drb, dPrev[0], batch, units, width);
      scatterStepGradient(dxpStep, dxp, batch, time, width, t);
      carry = dPrev;
    }
    const grads: Tensor[] = [
      fromValues(dxp, projected.shape, "float32"),
      fromValues(dR, recurrentKernel.shape, "float32"),
    ];
    if (recurrentBias) grads.push(fromValues(drb, recurrentBias.shape, "float32"));
    for (const c of carry) grads.push(fromValues(c, [batch, units], "float32"));
    return grads;
  });
}

/** The scan as the backend's fused primitive: one call forward, one backward, float32 throughout. */
function backendScan(be: Backend, kernel: StepKernel, g: RecurrentScanGeometry, inputs: ScanInputs): Tensor {
  const { projected, recurrentKernel, recurrentBias, initialStates, mask, units, stateCount } = inputs;
  const { batch, time } = g;
  const operands = () => ({
    r: recurrentKernel.dataOn(be),
    rb: recurrentBias?.dataOn(be) ?? null,
    states: initialStates.map((s) => s.dataOn(be)),
    mask: mask?.dataOn(be) ?? null,
  });
  // The backend saves for backward what the loops below would (kernel.cacheWidth a row and step), or less.
  checkMemoryFor("recurrentScan", [batch, time, kernel.cacheWidth], "float32");
  let saved: Tensor | undefined;
  const result = compute("recurrentScan", [batch, time, stateCount * units], "float32", () => {
    const o = operands();
    const r = be.recurrentScan!(g, projected.dataOn(be), o.r, o.rb, o.states, o.mask);
    saved = fromHandle(be, r.saved, [r.savedSize], "float32");
    return r.states;
  });
  const kept = saved!;
  const tensorInputs = [projected, recurrentKernel, ...(recurrentBias ? [recurrentBias] : []), ...initialStates];
  return record(
    "recurrentScan",
    result,
    tensorInputs,
    (dy) => {
      let rest: ReturnType<NonNullable<Backend["recurrentScanBackward"]>> | undefined;
      const dProjected = compute("recurrentScan backward", projected.shape, "float32", () => {
        const o = operands();
        const r = be.recurrentScanBackward!(
          g,
          dy.dataOn(be),
          result.dataOn(be),
          kept.dataOn(be),
          o.r,
          o.rb,
          o.states,
          o.mask,
        );
        rest = r;
        return r.dProjected;
      });
      const grads = [dProjected, fromHandle(be, rest!.dRecurrentKernel, recurrentKernel.shape, "float32")];
      if (recurrentBias) grads.push(fromHandle(be, rest!.dRecurrentBias!, recurrentBias.shape, "float32"));
      for (const h of rest!.dInitialStates) grads.push(fromHandle(be, h, [batch, units], "float32"));
      return grads;
    },
    [kept],
  );
}

/** A tensor's values in float64, at full precision where the backend stores float64 (the reference backend, which gradient checks use). */
function readFloat64(t: Tensor): Float64Array {
  const be = currentBackend();
  return be.readFloat64(t.dataOn(be), t.size, t.dtype);
}

function gatherStep(xp: Float64Array, step: Float64Array, batch: number, time: number, width: number, t: number): void {
  for (let b = 0; b < batch; b++) step.set(xp.subarray((b * time + t) * width, (b * time + t + 1) * width), b * width);
}

function scatterStepGradient(
  step: Float64Array,
  dxp: Float64Array,
  batch: number,
  time: number,
  width: number,
  t: number,
): void {
  for (let b = 0; b < batch; b++) dxp.set(step.subarray(b * width, (b + 1) * width), (b * time + t) * width);
}

/** rec = h · R (+ rb), [batch, units] x [units, width]. */
function recurrentTerm(
  h: Float64Array,
  R: Float64Array,
  rb: Float64Array | null,
  rec: Float64Array,
  batch: number,
  units: number,
  width: number,
): void {
  for (let b = 0; b < batch; b++) {
    const row = b * width;
    if (rb) rec.set(rb, row);
    else rec.fill(0, row, row + width);
    for (let k = 0; k < units; k++) {
      const hv = h[b * units + k];
      if (hv === 0) continue;
      const rRow = k * width;
      for (let j = 0; j < width; j++) rec[row + j] += hv * R[rRow + j];
    }
  }
}

/** dR += hᵀ · drec, drb += column sums of drec, dh += drec · Rᵀ. */
function recurrentTermBackward(
  h: Float64Array,
  R: Float64Array,
  drec: Float64Array,
  dR: Float64Array,
  drb: Float64Array,
  dh: Float64Array,
  batch: number,
  units: number,
  width: number,
): void {
  for (let b = 0; b < batch; b++) {
    const row = b * width;
    for (let j = 0; j < width; j++) drb[j] += drec[row + j];
    for (let k = 0; k < units; k++) {
      const hv = h[b * units + k];
      const rRow = k * width;
      let s = 0;
      for (let j = 0; j < width; j++) {
        const g = drec[row + j];
        s += g * R[rRow + j];
        dR[rRow + j] += hv * g;
      }
      dh[b * units + k] += s;
    }
  }
}

function carryMaskedRows(
  next: Float64Array[],
  prev: readonly Float64Array[],
  m: Float64Array,
  batch: number,
  time: number,
  t: number,
  units: number,
): void {
  for (let b = 0; b < batch; b++) {
    const keep = m[b * time + t];
    if (keep === 1) continue;
    for (let s = 0; s < next.length; s++) {
      for (let u = b * units; u < (b + 1) * units; u++) next[s][u] = prev[s][u] + keep * (next[s][u] - prev[s][u]);
    }
  }
}

/** With next = prev + m (new - prev): d new = m * d next, d prev += (1 - m) * d next. */
function splitMaskedGradient(
  dNext: Float64Array[],
  dPrev: Float64Array[],
  m: Float64Array,
  batch: number,
  time: number,
  t: number,
  units: number,
): void {
  for (let b = 0; b < batch; b++) {
    const keep = m[b * time + t];
    if (keep === 1) continue;
    for (let s = 0; s < dNext.length; s++) {
      for (let u = b * units; u < (b + 1) * units; u++) {
        dPrev[s][u] += (1 - keep) * dNext[s][u];
        dNext[s][u] *= keep;
      }
    }
  }
}

function scatterState(
  state: Float64Array,
  out: Float64Array,
  batch: number,
  time: number,
  stateCount: number,
  units: number,
  k: number,
  s: number,
): void {
  for (let b = 0; b < batch; b++)
    out.set(state.subarray(b * units, (b + 1) * units), ((b * time + k) * stateCount + s) * units);
}

function addStateGradient(
  dOut: Float64Array,
  carry: Float64Array,
  batch: number,
  time: number,
  stateCount: number,
  units: number,
  k: number,
  s: number,
): void {
  for (let b = 0; b < batch; b++) {
    const base = ((b * time + k) * stateCount + s) * units;
    for (let u = 0; u < units; u++) carry[b * units + u] += dOut[base + u];
  }
}
