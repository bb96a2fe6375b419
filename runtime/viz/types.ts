/**
 * The structural types the visualisation layer accepts. viz never imports the
 * runtime's tensor or Keras classes: anything with these shapes works, so the
 * real `Tensor`, `Model`, `Layer` and `History` classes satisfy them as they
 * are, and so do plain arrays in a scratch cell.
 */

/** Anything with a shape and row-major data; nnlab's `Tensor` is one. */
export interface TensorLike {
  readonly shape: readonly number[];
  dataSync(): ArrayLike<number>;
}

/** A flat typed (or plain) array with the shape it should be read in, row-major. */
export interface ShapedArray {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** A number, or arrays nested to any depth: `[[0, 1], [1, 0]]`. */
export type NestedArray = number | readonly NestedArray[];

/** Every numeric input a viz function takes. */
export type ArrayInput = TensorLike | ShapedArray | NestedArray;

/** A layer as viz sees it. */
export interface VizLayer {
  /** Unique name within its model, e.g. "conv2d_1". */
  readonly name: string;
  /** Keras class name, e.g. "Conv2D", "MaxPooling2D", "LSTM". */
  readonly className: string;
}

/**
 * A model whose intermediate activations can be read (for `viz.featureMaps`).
 *
 * `activations(input, names)` runs one forward pass in inference mode without
 * recording gradients and returns the output of each named layer, in the order
 * asked. `input` is what the user passed to `viz.featureMaps`: a single
 * example (`[H, W, C]`) or a batch (`[N, H, W, C]`); the model adds the batch
 * axis where needed. viz draws example 0 of each returned activation.
 */
export interface ActivationModel {
  readonly layers: readonly VizLayer[];
  activations(input: TensorLike, layerNames: readonly string[]): readonly TensorLike[];
}

/**
 * A convolution layer (for `viz.filters`). Keras order: `getWeights()[0]` is
 * the kernel `[kh, kw, inChannels, outChannels]`, the bias (if any) follows.
 */
export interface ConvLayerLike {
  readonly name: string;
  readonly className?: string;
  getWeights(): readonly TensorLike[];
}

/**
 * The per-step states of a recurrent layer over one sequence: `hidden` is
 * `[time, units]` (or `[1, time, units]`); `cell` is the LSTM cell state,
 * same shape, absent for SimpleRNN and GRU.
 */
export interface RecurrentStates {
  readonly hidden: TensorLike;
  readonly cell?: TensorLike;
}

/** A recurrent layer that can report its states at every step of a sequence it is given. */
export interface RecurrentLayerLike extends VizLayer {
  recurrentStates(sequence: TensorLike): RecurrentStates;
}

/**
 * A model containing a recurrent layer (for `viz.hiddenStates`): runs the
 * model on `sequence` (one sequence, with or without the batch axis) up to the
 * named recurrent layer and returns that layer's states at every step.
 */
export interface RecurrentModel {
  readonly layers: readonly VizLayer[];
  recurrentStates(sequence: TensorLike, layerName: string): RecurrentStates;
}

/** What Keras's `fit` returns: per-epoch logs keyed by metric, validation ones prefixed `val_`. */
export interface HistoryLike {
  readonly history: Readonly<Record<string, readonly number[]>>;
  readonly epoch: readonly number[];
}

/** Per-batch or per-epoch logs as Keras callbacks receive them. */
export type Logs = Readonly<Record<string, number>>;
