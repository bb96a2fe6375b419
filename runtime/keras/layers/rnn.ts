/**
 * RNN: runs a recurrent cell over the time axis of [batch, time, features]
 * (Keras's keras.layers.RNN; SimpleRNN, LSTM and GRU are this layer with
 * their cell). Options as Keras: returnSequences (every step's output, else
 * the last), returnState, goBackwards; the call takes `initialState` and
 * `mask` ([batch, time], 1 for real steps), and reads the mask a Masking
 * layer attached to its input. Masked steps carry the state through.
 *
 * For teaching and viz: `recurrentStates(sequence)` gives the hidden (and
 * cell) state of every step; with `trackStepGradients = true`, after
 * backward() `stepGradients()` gives dL/dh_t for every step t, and
 * `stepGradientNorms()` their norms (vanishing gradients over time).
 */
import type { Tensor } from "../../tensor";
import { noGrad } from "../../autograd";
import { keep } from "../../memory";
import { tensor } from "../../ops/creation";
import { stack } from "../../ops/shape";
import { zeros } from "../../ops/creation";
import type { KerasTensor } from "../engine/keras_tensor";
import {
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
  type SymbolicInputs,
} from "../engine/layer";
import { layerFromConfig, registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import type { RecurrentCell } from "../recurrent/cell";
import { resolveMask } from "../recurrent/mask";
import { unroll } from "../recurrent/unroll";
import { anyTime } from "../recurrent/shapes";

export interface RNNOptions extends LayerOptions {
  /** Return the output of every step [batch, time, units] instead of the last [batch, units]. */
  returnSequences?: boolean;
  /** Keep the final states (read them with `callWithState`, or `layer.states` after a call). */
  returnState?: boolean;
  /** Process the sequence from its end; outputs come in processing order. */
  goBackwards?: boolean;
}

export interface RecurrentCallOptions extends CallOptions {
  /** The states to start from: [h] (SimpleRNN, GRU) or [h, c] (LSTM), each [batch, units]. Default zeros. */
  initialState?: Tensor | readonly Tensor[];
  /** [batch, time]: 1 for real steps, 0 for padding. Overrides a mask attached to the input. */
  mask?: Tensor | null;
}

/** A sequence as viz passes it: anything with a shape and data. */
export interface SequenceLike {
  readonly shape: readonly number[];
  dataSync(): ArrayLike<number>;
}

/** Calling a recurrent layer takes its initial state and a mask besides `training`. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the call signatures of a layer instance: the Layer constructor returns a callable proxy (engine/callable.ts), which a class cannot declare
export interface RNN {
  (inputs: SymbolicInputs, options?: RecurrentCallOptions): KerasTensor;
  (inputs: LayerInputs, options?: RecurrentCallOptions): Tensor;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class RNN extends Layer {
  readonly cell: RecurrentCell;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  /** The final states of the latest call, each [batch, units]. */
  states: Tensor[] = [];
  /** Record dL/dh_t of every step during the next forward and backward passes (see stepGradients). */
  trackStepGradients = false;
  private stepGrads: (Tensor | null)[] = [];
  private stepShape: [number, number] = [0, 0];

  constructor(cell: RecurrentCell, options: RNNOptions = {}) {
    super(options);
    this.cell = cell;
    this.returnSequences = options.returnSequences ?? false;
    this.returnState = options.returnState ?? false;
    this.goBackwards = options.goBackwards ?? false;
  }

  get units(): number {
    return this.cell.units;
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    if (shape.length !== 3 || typeof shape[2] !== "number") {
      throw this.shapeError(
        "expects input [batch, time, features] with known features (add a time axis, or use keras.Input({ shape: [time, features] }))",
        shape,
      );
    }
    this.cell.ensureBuilt([null, shape[2]]);
  }

  override call(inputs: LayerInputs, options: RecurrentCallOptions = {}): Tensor {
    return this.run(inputs as Tensor, options)[0];
  }

  /**
   * The output followed by the final states, `[output, h]` or `[output, h, c]`
   * (what Keras returns with return_state=True).
   */
  callWithState(x: Tensor, options: RecurrentCallOptions = {}): Tensor[] {
    this.ensureBuilt([null, ...x.shape.slice(1)]);
    return this.run(x, options);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [batch, time] = inputShape as SymbolicShape;
    return this.returnSequences ? [batch, time, this.units] : [batch, this.units];
  }

  /** Every step's states for one sequence [time, features] (or [1, time, features]), in time order: hidden [time, units], and cell [time, units] for an LSTM. */
  recurrentStates(sequence: SequenceLike): { hidden: Tensor; cell?: Tensor } {
    const shape = sequence.shape.length === 2 ? [1, ...sequence.shape] : [...sequence.shape];
    if (shape.length !== 3 || shape[0] !== 1) {
      throw new Error(
        `${this.describe()}.recurrentStates: expected one sequence [time, features] or [1, time, features], got [${sequence.shape.join(", ")}]`,
      );
    }
    const x = tensor(Float32Array.from(sequence.dataSync()), shape);
    this.ensureBuilt([null, shape[1], shape[2]]);
    return noGrad(() => {
      const { allStates } = unroll(this.cell, x, { goBackwards: this.goBackwards });
      const time = shape[1];
      const inTimeOrder = (states: Tensor) => {
        const steps = states.reshape([time, this.units]);
        return this.goBackwards
          ? steps.gather(
              Array.from({ length: time }, (_, k) => time - 1 - k),
              0,
            )
          : steps;
      };
      const [hidden, cell] = allStates.map(inTimeOrder);
      return cell ? { hidden, cell } : { hidden };
    });
  }

  /** dL/dh_t for every step t (input time order) from the latest backward(), [batch, time, units]; zeros where no gradient arrived. Needs `trackStepGradients = true` before the forward pass. */
  stepGradients(): Tensor {
    if (!this.trackStepGradients || this.stepGrads.length === 0) {
      throw new Error(
        `${this.describe()}.stepGradients: set layer.trackStepGradients = true, then run the forward pass and loss.backward()`,
      );
    }
    const [batch, units] = this.stepShape;
    return noGrad(() =>
      stack(
        this.stepGrads.map((g) => g ?? zeros([batch, units])),
        1,
      ),
    );
  }

  /** The norm of dL/dh_t over the batch and units, for every step t: how much gradient reaches each step. */
  stepGradientNorms(): number[] {
    const grads = this.stepGradients();
    const [batch, time, units] = grads.shape;
    const data = grads.dataSync();
    return Array.from({ length: time }, (_, t) => {
      let s = 0;
      for (let b = 0; b < batch; b++) for (let u = 0; u < units; u++) s += data[(b * time + t) * units + u] ** 2;
      return Math.sqrt(s);
    });
  }

  /** A new, unbuilt layer with this one's configuration and the opposite direction (Bidirectional's backward layer). */
  reversedCopy(name: string): RNN {
    const config = { ...this.getConfig(), name, goBackwards: !this.goBackwards };
    return layerFromConfig(this.className, config) as RNN;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      ...this.cellConfig(),
    };
  }

  /** What getConfig records about the cell: the generic RNN saves the cell itself; SimpleRNN, LSTM and GRU its options. */
  protected cellConfig(): LayerConfig {
    return { cell: { className: this.cell.className, config: this.cell.getConfig() } };
  }

  /** [output, ...finalStates]. */
  private run(x: Tensor, options: RecurrentCallOptions): Tensor[] {
    const [batch, time] = x.shape;
    const mask = resolveMask(x, options.mask, this.describe());
    const initialStates = this.initialStates(options.initialState, batch);
    if (this.trackStepGradients) {
      for (const g of this.stepGrads) g?.dispose();
      this.stepGrads = new Array<Tensor | null>(time).fill(null);
      this.stepShape = [batch, this.units];
    }
    const grads = this.stepGrads;
    // Not destructured: `sequence` is computed when read, and a layer returning its last output never reads it.
    const unrolled = unroll(this.cell, x, {
      mask,
      goBackwards: this.goBackwards,
      initialStates,
      training: options.training,
      // backward() frees its intermediate tensors when it ends; the per-step gradients are kept for stepGradients().
      onStateGradient: this.trackStepGradients
        ? (t, g) => (grads[t] = keep(grads[t] ? grads[t].add(g) : g.view(g.shape)))
        : undefined,
    });
    const finalStates = unrolled.finalStates;
    this.states = finalStates;
    const output = this.returnSequences ? unrolled.sequence : finalStates[0];
    return [output, ...finalStates];
  }

  private initialStates(given: Tensor | readonly Tensor[] | undefined, batch: number): Tensor[] | undefined {
    if (given === undefined) return undefined;
    const list = Array.isArray(given) ? [...(given as readonly Tensor[])] : [given as Tensor];
    const expected = `${this.cell.stateCount} state(s) of shape [${batch}, ${this.units}]`;
    if (
      list.length !== this.cell.stateCount ||
      list.some((s) => s.rank !== 2 || s.shape[0] !== batch || s.shape[1] !== this.units)
    ) {
      throw new Error(
        `${this.describe()}: initialState must be ${expected}${this.cell.stateCount > 1 ? " ([h, c])" : ""}, got ${list.map((s) => s.shapeString()).join(", ")}`,
      );
    }
    return list;
  }
}

registerLayer("RNN", (c) => {
  const { cell, ...rest } = c as LayerConfig & { cell: { className: string; config: LayerConfig } };
  return new RNN(layerFromConfig(cell.className, cell.config) as RecurrentCell, rest);
});
