/**
 * Bidirectional: runs a recurrent layer forward and a copy of it backward
 * over the same sequence and merges the two (Keras's Bidirectional). With
 * returnSequences the backward outputs are put back in time order first, so
 * step t sees the past through the forward layer and the future through the
 * backward one. Parameters: twice the wrapped layer's.
 */
import type { Tensor } from "../../tensor";
import { concat } from "../../ops/shape";
import type { KerasTensor } from "../engine/keras_tensor";
import {
  Layer,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
  type SymbolicInputs,
} from "../engine/layer";
import { layerFromConfig, registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { RNN, type RecurrentCallOptions, type SequenceLike } from "./rnn";
import { anyTime } from "../recurrent/shapes";

export type MergeMode = "concat" | "sum" | "mul" | "ave";

export interface BidirectionalOptions extends LayerOptions {
  /** How the two directions combine (default "concat", doubling the last axis). */
  mergeMode?: MergeMode;
  /** The backward layer; default a copy of the forward layer's configuration with goBackwards flipped. */
  backwardLayer?: RNN;
}

/** Calling Bidirectional takes the initial states of both directions and a mask, as a recurrent layer does. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the call signatures of a layer instance: the Layer constructor returns a callable proxy (engine/callable.ts), which a class cannot declare
export interface Bidirectional {
  (inputs: SymbolicInputs, options?: RecurrentCallOptions): KerasTensor;
  (inputs: LayerInputs, options?: RecurrentCallOptions): Tensor;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class Bidirectional extends Layer {
  readonly forwardLayer: RNN;
  readonly backwardLayer: RNN;
  readonly mergeMode: MergeMode;

  constructor(layer: RNN, options: BidirectionalOptions = {}) {
    super(options);
    if (!(layer instanceof RNN))
      throw new Error(`Bidirectional: expected a recurrent layer (SimpleRNN, LSTM, GRU, RNN), got ${String(layer)}`);
    this.mergeMode = options.mergeMode ?? "concat";
    if (!["concat", "sum", "mul", "ave"].includes(this.mergeMode)) {
      throw new Error(
        `Bidirectional: mergeMode must be "concat", "sum", "mul" or "ave", got ${JSON.stringify(options.mergeMode)}`,
      );
    }
    const base = layer.name;
    this.backwardLayer = options.backwardLayer ?? layer.reversedCopy(`backward_${base}`);
    layer.name = `forward_${base}`;
    this.forwardLayer = layer;
    if (this.backwardLayer.returnSequences !== layer.returnSequences) {
      throw new Error(`${this.describe()}: the forward and backward layers must agree on returnSequences`);
    }
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    this.forwardLayer.ensureBuilt(inputShape);
    this.backwardLayer.ensureBuilt(inputShape);
  }

  override call(inputs: LayerInputs, options: RecurrentCallOptions = {}): Tensor {
    return this.callWithState(inputs as Tensor, options)[0];
  }

  /** [merged output, ...forward states, ...backward states]. */
  callWithState(x: Tensor, options: RecurrentCallOptions = {}): Tensor[] {
    this.ensureBuilt([null, ...x.shape.slice(1)]);
    const [initialForward, initialBackward] = splitInitialState(options.initialState);
    const [f, ...fStates] = this.forwardLayer.callWithState(x, { ...options, initialState: initialForward });
    const [b, ...bStates] = this.backwardLayer.callWithState(x, { ...options, initialState: initialBackward });
    return [this.merge(f, this.forwardLayer.returnSequences ? reverseTime(b) : b), ...fStates, ...bStates];
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shape = this.forwardLayer.computeOutputShape(inputShape);
    const last = shape[shape.length - 1] as number;
    return this.mergeMode === "concat" ? [...shape.slice(0, -1), 2 * last] : shape;
  }

  /** Both directions' states at every step, in time order, side by side: hidden [time, 2 * units] (forward units first). */
  recurrentStates(sequence: SequenceLike): { hidden: Tensor; cell?: Tensor } {
    const f = this.forwardLayer.recurrentStates(sequence);
    const b = this.backwardLayer.recurrentStates(sequence);
    const hidden = concat([f.hidden, b.hidden], 1);
    return f.cell && b.cell ? { hidden, cell: concat([f.cell, b.cell], 1) } : { hidden };
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      mergeMode: this.mergeMode,
      layer: { className: this.forwardLayer.className, config: this.forwardLayer.getConfig() },
      backwardLayer: { className: this.backwardLayer.className, config: this.backwardLayer.getConfig() },
    };
  }

  private merge(f: Tensor, b: Tensor): Tensor {
    switch (this.mergeMode) {
      case "concat":
        return concat([f, b], -1);
      case "sum":
        return f.add(b);
      case "mul":
        return f.mul(b);
      case "ave":
        return f.add(b).mul(0.5);
    }
  }
}

/** x [batch, time, ...] with the time axis reversed. */
function reverseTime(x: Tensor): Tensor {
  const time = x.shape[1];
  return x.gather(
    Array.from({ length: time }, (_, k) => time - 1 - k),
    1,
  );
}

/** Keras's initial_state for Bidirectional lists the forward states, then the backward ones. */
function splitInitialState(
  given: Tensor | readonly Tensor[] | undefined,
): [Tensor[] | undefined, Tensor[] | undefined] {
  if (given === undefined) return [undefined, undefined];
  const list = Array.isArray(given) ? [...(given as readonly Tensor[])] : [given as Tensor];
  if (list.length % 2 !== 0)
    throw new Error(
      `Bidirectional: initialState must list the forward states then the backward states (an even count), got ${list.length}`,
    );
  return [list.slice(0, list.length / 2), list.slice(list.length / 2)];
}

type Spec = { className: string; config: LayerConfig };

registerLayer("Bidirectional", (c) => {
  const { layer, backwardLayer, ...rest } = c as LayerConfig & { layer: Spec; backwardLayer?: Spec };
  return new Bidirectional(layerFromConfig(layer.className, layer.config) as RNN, {
    ...(rest as BidirectionalOptions),
    backwardLayer: backwardLayer ? (layerFromConfig(backwardLayer.className, backwardLayer.config) as RNN) : undefined,
  });
});
