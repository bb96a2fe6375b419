/**
 * keras.Model: a layer that can be trained. As in Keras there are three kinds:
 * - subclassing: `class Mine extends keras.Model { call(x) { ... } }`, whose
 *   layers are found from its fields: this class;
 * - functional: `keras.Model({ inputs, outputs })` over symbolic tensors gives
 *   a Functional (models/functional.ts), a subclass of this one, as Keras's
 *   `keras.Model(inputs=..., outputs=...)` does (models/model_factory.ts);
 * - keras.Sequential (models/sequential.ts), a Functional built layer by layer.
 * This class holds what every kind shares: training, evaluation and
 * prediction (models/training.ts), saving (saving/model_file.ts), the
 * summary table (models/summary.ts) and the inspection entry points for viz.
 * What needs a graph (running it, its layers, its outputs, its architecture
 * for saving) is overridden by Functional.
 */
import type { Tensor } from "../../tensor";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../display";
import {
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
} from "../engine/layer";
import type { KerasTensor } from "../engine/keras_tensor";
import type { History } from "../callbacks/history";
import { Compiled, type CompileOptions } from "./compiled";
import { summaryBundle, summaryText } from "./summary";
import * as training from "./training";
import type { EvaluateOptions, FitOptions, PredictOptions, Data, NamedData } from "./training";
import type { ModelOutputs, OutputShape, Prediction } from "./outputs";
import { loadWeights, saveModel, saveWeights } from "../saving/formats";
import type { ModelSpec } from "../saving/spec";

export type { ModelOutputs, OutputShape, OutputStructure, Prediction } from "./outputs";

/** A model with any outputs: what training, saving and the summary accept. */
export type AnyModel = Model<ModelOutputs>;

export interface ModelArgs<T extends ModelOutputs = ModelOutputs> extends LayerOptions {
  /** With `outputs`, a functional model: `keras.Model({ inputs, outputs })` gives a Functional. */
  inputs?: KerasTensor | readonly KerasTensor[];
  outputs?: T;
}

export class Model<T extends ModelOutputs = KerasTensor> extends Layer {
  /** The symbolic inputs and outputs of a functional or Sequential model's graph (Functional sets them); none for a subclassed model. */
  inputs: KerasTensor[] = [];
  outputs: KerasTensor[] = [];
  /** Set by `fit`, to stop training after the current batch (callbacks use it). */
  stopTraining = false;
  /** The History of the latest `fit`, filled epoch by epoch (readable after an interrupted fit). */
  history: History | null = null;
  compiled: Compiled | null = null;

  constructor(args: ModelArgs<T> = {}) {
    super(args);
    if ((args.inputs !== undefined || args.outputs !== undefined) && !this.isGraphModel) {
      // Only reached by `new` on this class itself; keras.Model (model_factory.ts) makes a Functional for these.
      throw new Error(
        `keras.Model: { inputs, outputs } make a functional model; call keras.Model({ inputs, outputs })`,
      );
    }
  }

  /** Whether this model is a graph of layers (Functional, Sequential); a subclassed model runs its own call(). */
  protected get isGraphModel(): boolean {
    return false;
  }

  /** The input layers' names, in order: the keys of inputs given by name (none for a subclassed model). */
  get inputNames(): string[] {
    return [];
  }

  /** The outputs' names, in order: the keys of per-output losses, metrics, targets and logs (none for a subclassed model, which has one unnamed output). */
  get outputNames(): string[] {
    return [];
  }

  /** The output shape (batch axis null), in the structure the outputs were given in. */
  get outputShape(): OutputShape<T> {
    throw new Error(`${this.describe()} has no output shape yet: build it with keras.Input or call it once`);
  }

  /** The layers, in order: a subclassed model's are found from its fields. */
  get layers(): Layer[] {
    return super.sublayers;
  }

  override get sublayers(): Layer[] {
    return this.layers;
  }

  /** A layer by name, or by index in `layers`. */
  getLayer(nameOrIndex: string | number): Layer {
    const layers = this.layers;
    if (typeof nameOrIndex === "number") {
      const layer = layers[nameOrIndex];
      if (!layer)
        throw new Error(`getLayer: index ${nameOrIndex} is out of range; the model has ${layers.length} layers`);
      return layer;
    }
    const layer = layers.find((l) => l.name === nameOrIndex);
    if (!layer)
      throw new Error(
        `getLayer: no layer named "${nameOrIndex}"; the layers are ${layers.map((l) => `"${l.name}"`).join(", ")}`,
      );
    return layer;
  }

  override call(_inputs: LayerInputs, _options: CallOptions): Tensor {
    throw new Error(
      `${this.describe()}: a subclassed model must override call(inputs, options); or build it with keras.Model({ inputs, outputs })`,
    );
  }

  /** Every output for a batch of inputs (one tensor per input); a subclassed model has one, from its call(). */
  computeOutputs(inputs: readonly Tensor[], options: CallOptions): Tensor[] {
    return [this.apply(inputs.length === 1 ? inputs[0] : inputs, options)];
  }

  override build(inputShape: InputShapes): void {
    // A subclassed model builds its layers by running once on zeros, as Keras's model.build(shape).
    super.computeOutputShape(inputShape);
  }

  override getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable };
  }

  // ----- training -----

  /** Fixes the optimizer, loss and metrics for fit/evaluate (Keras's compile). */
  compile(options: CompileOptions): void {
    this.compiled = new Compiled(options, this.lossOutputNames());
  }

  /** The output names that compile keys losses and metrics by; none (one unnamed output) for a model with one unnamed output. */
  protected lossOutputNames(): string[] {
    return [];
  }

  get optimizer(): Compiled["optimizer"] | null {
    return this.compiled?.optimizer ?? null;
  }

  /** Trains for `epochs` over (x, y); resolves to the History. Yields to the event loop between batches. */
  fit(x: Data | NamedData, y: Data | NamedData, options: FitOptions = {}): Promise<History> {
    return training.fit(this, x, y, options);
  }

  /**
   * The loss and metrics on (x, y): `[loss, ...metrics]`, or an object keyed by name with `returnDict: true`.
   * With several outputs: `[loss, ...each output's loss, ...each output's metrics]`, as Keras orders them.
   * Unlike Keras, a model compiled without metrics still gets a list (`[loss]`), so the result has one type:
   * `const [loss, accuracy] = model.evaluate(x, y)` needs no cast.
   */
  evaluate(
    x: Data | NamedData,
    y: Data | NamedData,
    options: EvaluateOptions & { returnDict: true },
  ): Record<string, number>;
  evaluate(x: Data | NamedData, y: Data | NamedData, options?: EvaluateOptions & { returnDict?: false }): number[];
  evaluate(x: Data | NamedData, y: Data | NamedData, options?: EvaluateOptions): number[] | Record<string, number>;
  evaluate(x: Data | NamedData, y: Data | NamedData, options: EvaluateOptions = {}): number[] | Record<string, number> {
    return training.evaluate(this, x, y, options);
  }

  /** The model's outputs for x, computed in batches in inference mode, in the structure the outputs were given in (one, a list, an object). */
  predict(x: Data | NamedData, options: PredictOptions = {}): Prediction<T> {
    return this.structured(training.predict(this, x, options)) as Prediction<T>;
  }

  /** One update on one batch; the batch's loss (and metrics). */
  trainOnBatch(
    x: Data | NamedData,
    y: Data | NamedData,
    options: { returnDict?: boolean } = {},
  ): number | number[] | Record<string, number> {
    return training.trainOnBatch(this, x, y, options);
  }

  /** The loss (and metrics) on one batch, without updating. */
  testOnBatch(
    x: Data | NamedData,
    y: Data | NamedData,
    options: { returnDict?: boolean } = {},
  ): number | number[] | Record<string, number> {
    return training.testOnBatch(this, x, y, options);
  }

  /** One value per output, arranged as the outputs were given; a subclassed model has one. */
  protected structured<V>(values: V[]): V | V[] | Record<string, V> {
    return values[0];
  }

  // ----- saving -----

  /** Writes every weight (atomically); the extension picks the format: `.weights.h5` Keras 3's, else nnlab's safetensors. */
  saveWeights(path: string): void {
    saveWeights(this, path);
  }

  /** Reads weights saved by saveWeights or by Keras 3 (format by content); shapes must match, else nothing changes. */
  loadWeights(path: string): void {
    loadWeights(this, path);
  }

  /**
   * Writes architecture and weights to one file; `.keras` gives a Keras 3 archive, other names nnlab's safetensors file. keras.models.loadModel reads both.
   * A path ending in .json, a directory or "file://..." gets TensorFlow.js's layers format (model.json and weights.bin).
   */
  save(path: string): void {
    saveModel(this, path);
  }

  /** The architecture that `save` stores. A subclassed model has none: its call() is code. */
  architecture(): ModelSpec {
    throw new Error(
      `save: ${this.describe()} is a subclassed model, whose call() cannot be stored as JSON; ` +
        `save its weights with model.saveWeights(path) and rebuild it in code, or build it with keras.Sequential / keras.Model({ inputs, outputs })`,
    );
  }

  // ----- display and viz -----

  /** Prints Keras's summary table (as text; in a notebook `display(model)` shows the HTML table). */
  summary(options: { print?: (line: string) => void } = {}): void {
    const print = options.print ?? ((line: string) => console.log(line));
    print(summaryText(this));
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return summaryBundle(this);
  }

  /** The outputs of the named layers for one input (viz.featureMaps): inference mode, no gradients. Needs a graph (Functional, Sequential). */
  activations(_input: ArrayLikeTensor, layerNames: readonly string[]): Tensor[] {
    for (const name of layerNames) this.getLayer(name);
    throw new Error(`${this.describe()}: layer activations need a functional or Sequential model`);
  }

  /**
   * The states at every step of the recurrent layer `layerName` for one
   * sequence (viz.hiddenStates): the model runs up to that layer's input
   * (inference mode, no gradients), and the layer reports its hidden (and,
   * for an LSTM, cell) states [time, units]. Needs a graph (Functional, Sequential).
   */
  recurrentStates(_sequence: ArrayLikeTensor, layerName: string): RecurrentStates {
    const layer = this.recurrentLayer(layerName);
    throw new Error(
      `recurrentStates: ${this.describe()} has no graph to run up to "${layer.name}"; start the model with keras.Input or call it once`,
    );
  }

  /** The layer `layerName`, which must report recurrent states. */
  protected recurrentLayer(layerName: string): RecurrentLayer {
    const layer = this.getLayer(layerName);
    if (!hasRecurrentStates(layer)) {
      throw new Error(
        `recurrentStates: layer "${layer.name}" (${layer.className}) has no recurrent states; name a SimpleRNN, LSTM, GRU or Bidirectional layer`,
      );
    }
    return layer;
  }
}

/** Tensor-shaped input for the inspection methods: a Tensor, or anything with a shape and flat data. */
export interface ArrayLikeTensor {
  readonly shape: readonly number[];
  dataSync(): ArrayLike<number>;
}

/** Hidden states [time, units] of every step, and the cell states for an LSTM. */
export interface RecurrentStates {
  hidden: Tensor;
  cell?: Tensor;
}

export interface RecurrentLayer extends Layer {
  recurrentStates(sequence: Tensor): RecurrentStates;
}

function hasRecurrentStates(layer: Layer): layer is RecurrentLayer {
  return typeof (layer as Partial<RecurrentLayer>).recurrentStates === "function";
}
