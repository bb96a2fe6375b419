/**
 * Backpropagation through time's forward half: the cell applied step after
 * step with the same weights. The input term of every step is computed
 * before the loop in one matmul. Cells with a fused step kernel run the loop
 * as one autograd op (recurrentScan, runtime/ops/scan.ts); otherwise each step is composed from
 * tensor ops (`cell.stepProjected`), one recurrent matmul per step. Masked
 * (padded) steps carry the states through unchanged and output zeros.
 *
 * Dropout while training (Keras's dropout and recurrentDropout, variational:
 * one mask per call, the same at every step): the input mask multiplies the
 * whole sequence before the projection; the recurrent mask multiplies h_{t-1}
 * inside the step, which only the composed loop does, so recurrent dropout
 * while training takes that loop. With both rates 0, or not training, nothing changes.
 */
import type { Tensor } from "../../tensor";
import { stack } from "../../ops/shape";
import { dropoutMask } from "../../ops/dropout";
import { recurrentScan } from "../../ops/scan";
import type { RecurrentCell } from "./cell";
import { unstack, watchGradient } from "./time_steps";

export interface UnrollOptions {
  /** [batch, time] of 1 (real step) and 0 (padding). */
  mask?: Tensor | null;
  /** Run from the last step to the first; outputs come in processing order, as Keras's go_backwards. */
  goBackwards?: boolean;
  /** States to start from (default zeros). */
  initialStates?: readonly Tensor[];
  /** Called in backward with dL/dh of each step (step index in input time order). */
  onStateGradient?: (step: number, grad: Tensor) => void;
  /** Compose every step from tensor ops even when the cell has a fused kernel (to compare the two). */
  composed?: boolean;
  /** Apply the cell's dropout and recurrentDropout (the layer passes its call's `training`). */
  training?: boolean;
}

export interface Unrolled {
  /** Each step's output [batch, time, units], in processing order; zeros at masked steps. */
  readonly sequence: Tensor;
  /** The states after the last processed step, each [batch, units]. */
  readonly finalStates: Tensor[];
  /** Each state after every processed step, [batch, time, units] per state, in processing order. */
  readonly allStates: Tensor[];
}

/** Runs `cell` over x [batch, time, inputDim]. */
export function unroll(cell: RecurrentCell, x: Tensor, options: UnrollOptions = {}): Unrolled {
  const [batch, time, inputDim] = x.shape;
  const training = options.training === true;
  const dropped = training && cell.dropout > 0 ? x.mul(dropoutMask([batch, 1, inputDim], cell.dropout)) : x;
  const projected = cell.projectInputs(dropped);
  const initialStates = options.initialStates ? [...options.initialStates] : cell.zeroStates(batch);
  const mask = options.mask ?? null;
  const recurrentMask =
    training && cell.recurrentDropout > 0 ? dropoutMask([batch, cell.units], cell.recurrentDropout) : null;
  const kernel = options.composed || recurrentMask ? null : cell.stepKernel();
  const outputs = (states: () => Tensor[], finalStates: Tensor[]): Unrolled => {
    let sequence: Tensor | undefined;
    return {
      finalStates,
      get allStates() {
        return states();
      },
      get sequence() {
        return (sequence ??= maskedSequence(states()[0], mask, options.goBackwards ?? false));
      },
    };
  };
  if (!kernel) {
    const allStates = composedStates(cell, projected, initialStates, mask, recurrentMask, options);
    return outputs(
      () => allStates,
      allStates.map((s) => s.select(1, time - 1)),
    );
  }
  const packed = recurrentScan(kernel, {
    projected,
    recurrentKernel: cell.recurrentKernel!.value,
    recurrentBias: cell.recurrentBias(),
    initialStates,
    mask,
    goBackwards: options.goBackwards ?? false,
    units: cell.units,
    stateCount: cell.stateCount,
    onStateGradient: options.onStateGradient,
  });
  // The sequences of states are cut out of the scan's packed output only when asked for (a layer that
  // returns its last output needs none of them); the final states come straight from its last step.
  let allStates: Tensor[] | undefined;
  const { stateCount, units } = cell;
  const finalStates = Array.from({ length: stateCount }, (_, s) =>
    packed.slice([0, time - 1, s * units], [batch, 1, units]).reshape([batch, units]),
  );
  return outputs(() => (allStates ??= splitStates(packed, stateCount, units)), finalStates);
}

/** The output sequence: the first state at every step, zero where the mask (in processing order) drops a step. */
function maskedSequence(states: Tensor, mask: Tensor | null, goBackwards: boolean): Tensor {
  if (!mask) return states;
  const [batch, time] = states.shape;
  const processingMask = goBackwards
    ? mask.gather(
        Array.from({ length: time }, (_, k) => time - 1 - k),
        1,
      )
    : mask;
  return states.mul(processingMask.reshape([batch, time, 1]));
}

/** The per-step loop from tensor ops: every state after every step, stacked over time. */
function composedStates(
  cell: RecurrentCell,
  projected: Tensor,
  initial: Tensor[],
  mask: Tensor | null,
  recurrentMask: Tensor | null,
  options: UnrollOptions,
): Tensor[] {
  const [batch, time] = projected.shape;
  const steps = unstack(projected.transpose([1, 0, 2]));
  const masks = mask ? unstack(mask.transpose([1, 0]).reshape([time, batch, 1])) : null;
  let states = initial;
  const history: Tensor[][] = [];
  for (let k = 0; k < time; k++) {
    const t = options.goBackwards ? time - 1 - k : k;
    let next = cell.stepProjected(steps[t], states, recurrentMask);
    const m = masks?.[t];
    if (m) next = next.map((s, i) => states[i].add(m.mul(s.sub(states[i]))));
    const sink = options.onStateGradient;
    if (sink) next[0] = watchGradient(next[0], (g) => sink(t, g));
    states = next;
    history.push(next);
  }
  return initial.map((_, s) =>
    stack(
      history.map((h) => h[s]),
      1,
    ),
  );
}

/** [batch, time, stateCount * units] cut into stateCount tensors [batch, time, units]. */
function splitStates(packed: Tensor, stateCount: number, units: number): Tensor[] {
  if (stateCount === 1) return [packed];
  const [batch, time] = packed.shape;
  return Array.from({ length: stateCount }, (_, s) => packed.slice([0, 0, s * units], [batch, time, units]));
}
