/**
 * keras.Model: a layer that can be trained. Three ways to make one, as in Keras:
 * - functional: `keras.Model({ inputs, outputs })` over symbolic tensors, for
 *   branching graphs (shared layers, Concatenate/Add merges, several inputs,
 *   several outputs: `outputs: [a, b]` makes `predict` return a list, and
 *   `outputs: { cls: a, box: b }` an object with those names);
 * - subclassing: `class Mine extends keras.Model { call(x) { ... } }`, whose
 *   layers are found from its fields;
 * - keras.Sequential (models/sequential.ts), a stack of layers.
 * Training, evaluation and prediction live in models/training.ts, the summary
 * table in models/summary.ts, saving in saving/.
 */
import type { Tensor } from "../../tensor";
import { noGrad } from "../../autograd";
import { tensor } from "../../ops/creation";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../display";
import {
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
} from "../engine/layer";
import { KerasTensor, topologicalNodes, type Node } from "../engine/keras_tensor";
import type { SymbolicShape } from "../utils/shape";
import type { History } from "../callbacks/history";
import { Compiled, type CompileOptions } from "./compiled";
import { summaryBundle, summaryText } from "./summary";
import * as training from "./training";
import type { EvaluateOptions, FitOptions, PredictOptions, Data, NamedData } from "./training";
import { loadWeightsFile, saveModelFile, saveWeightsFile } from "../saving/model_io";
import { registerModelClass } from "../engine/serialization";

/** A functional model's outputs: one symbolic tensor, a list of them, or an object naming them. */
export type ModelOutputs = KerasTensor | readonly KerasTensor[] | Readonly<Record<string, KerasTensor>>;

/** What predict returns for outputs T: the outputs' structure with a Tensor for each symbolic tensor. */
export type Prediction<T extends ModelOutputs> = T extends KerasTensor
  ? Tensor
  : T extends readonly KerasTensor[]
    ? Tensor[]
    : { [K in keyof T]: Tensor };

/** The output shape for outputs T, in the outputs' structure. */
export type OutputShape<T extends ModelOutputs> = T extends KerasTensor
  ? SymbolicShape
  : T extends readonly KerasTensor[]
    ? SymbolicShape[]
    : { [K in keyof T]: SymbolicShape };

export type OutputStructure = "single" | "list" | "named";

/** A model with any outputs: what training, saving and the summary accept. */
export type AnyModel = Model<ModelOutputs>;

export interface ModelArgs<T extends ModelOutputs = ModelOutputs> extends LayerOptions {
  inputs?: KerasTensor | readonly KerasTensor[];
  outputs?: T;
}

/**
 * `keras.Model(...)` without `new`: the type parameter is inferred from
 * `outputs`, so `predict` on a model with `outputs: [a, b]` is typed Tensor[].
 */
export type ModelFactory = typeof Model & (<T extends ModelOutputs = KerasTensor>(args?: ModelArgs<T>) => Model<T>);

export class Model<T extends ModelOutputs = KerasTensor> extends Layer {
  /** The symbolic inputs and outputs (functional and built Sequential models). */
  inputs: KerasTensor[] = [];
  outputs: KerasTensor[] = [];
  /** Set by `fit`, to stop training after the current batch (callbacks use it). */
  stopTraining = false;
  /** The History of the latest `fit`, filled epoch by epoch (readable after an interrupted fit). */
  history: History | null = null;
  compiled: Compiled | null = null;
  protected nodes: Node[] | null = null;
  /** How `outputs` was given: predict and outputShape keep that structure, as Keras does (saving stores it). */
  readonly outputStructure: OutputStructure = "single";
  /** The keys of outputs given as an object, which name the outputs instead of their layers. */
  readonly outputKeys: readonly string[] | null = null;

  constructor(args: ModelArgs<T> = {}) {
    super(args);
    if (args.inputs !== undefined || args.outputs !== undefined) {
      const outputs = args.outputs;
      if (isNamedOutputs(outputs)) {
        this.outputKeys = Object.keys(outputs);
        this.outputStructure = "named";
        this.setGraph(args.inputs, Object.values(outputs));
      } else {
        this.setGraph(args.inputs, outputs);
        this.outputStructure = Array.isArray(outputs) ? "list" : "single";
      }
    }
  }

  /** The outputs' names, in order: the keys of per-output losses, metrics, targets and logs (the output layers' names, or the keys of outputs given as an object). */
  get outputNames(): string[] {
    return this.outputKeys ? [...this.outputKeys] : this.outputs.map((t) => t.node.layer.name);
  }

  /** The output shape (batch axis null), in the structure the outputs were given in. */
  get outputShape(): OutputShape<T> {
    if (this.outputs.length === 0)
      throw new Error(`${this.describe()} has no output shape yet: build it with keras.Input or call it once`);
    return this.structured(this.outputs.map((t) => t.shape)) as OutputShape<T>;
  }

  /** The layers, in order (a functional model lists its InputLayers first, as Keras does). */
  get layers(): Layer[] {
    if (this.nodes) {
      const seen = new Set<Layer>(this.inputs.map((t) => t.node.layer));
      for (const n of this.nodes) seen.add(n.layer);
      return [...seen];
    }
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

  override call(inputs: LayerInputs, options: CallOptions): Tensor {
    if (!this.nodes) {
      throw new Error(
        `${this.describe()}: a subclassed model must override call(inputs, options); or build it with keras.Model({ inputs, outputs })`,
      );
    }
    this.requireOneOutput("called as a layer");
    return this.runGraph(Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor], options)[0];
  }

  /** Runs the graph on real tensors (one per input); every output, in order. */
  runGraph(inputs: readonly Tensor[], options: CallOptions): Tensor[] {
    if (!this.nodes) throw new Error(`${this.describe()}: only a functional or Sequential model has a graph to run`);
    if (inputs.length !== this.inputs.length) {
      throw new Error(`${this.describe()} expects ${this.inputs.length} input(s), got ${inputs.length}`);
    }
    const values = new Map<KerasTensor, Tensor>();
    this.inputs.forEach((t, i) => values.set(t, inputs[i]));
    for (const node of this.nodes) {
      const args = node.inputs.map((t) => values.get(t)!);
      values.set(node.output, node.layer.apply(node.listInput ? args : args[0], options));
    }
    return this.outputs.map((t) => values.get(t)!);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    if (this.nodes) {
      this.requireOneOutput("called on a symbolic tensor (nested in another model)");
      return this.outputs[0].shape;
    }
    return super.computeOutputShape(inputShape);
  }

  override build(inputShape: InputShapes): void {
    if (this.nodes) return;
    // A subclassed model builds its layers by running once on zeros, as Keras's model.build(shape).
    super.computeOutputShape(inputShape);
  }

  override getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable };
  }

  // ----- training -----

  /** Fixes the optimizer, loss and metrics for fit/evaluate (Keras's compile). */
  compile(options: CompileOptions): void {
    this.compiled = new Compiled(options, this.outputs.length > 1 || this.outputKeys ? this.outputNames : []);
  }

  get optimizer(): Compiled["optimizer"] | null {
    return this.compiled?.optimizer ?? null;
  }

  /** Trains for `epochs` over (x, y); resolves to the History. Yields to the event loop between batches. */
  fit(x: Data | NamedData, y: Data | NamedData, options: FitOptions = {}): Promise<History> {
    return training.fit(this, x, y, options);
  }

  /**
   * The loss and metrics on (x, y): `[loss, ...metrics]` (just the loss without metrics), or an object with `returnDict`.
   * With several outputs: `[loss, ...each output's loss, ...each output's metrics]`, as Keras orders them.
   */
  evaluate(
    x: Data | NamedData,
    y: Data | NamedData,
    options: EvaluateOptions = {},
  ): number | number[] | Record<string, number> {
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

  // ----- saving -----

  /** Writes every weight to a safetensors file (atomically). */
  saveWeights(path: string): void {
    saveWeightsFile(this, path);
  }

  /** Reads weights saved by saveWeights (matched by name, else by order); shapes must match. */
  loadWeights(path: string): void {
    loadWeightsFile(this, path);
  }

  /** Writes the architecture (JSON, in the file's metadata) and the weights to one safetensors file; keras.models.loadModel reads it. */
  save(path: string): void {
    saveModelFile(this, path);
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

  /** The outputs of the named layers for one input (viz.featureMaps): inference mode, no gradients. */
  activations(input: ArrayLikeTensor, layerNames: readonly string[]): Tensor[] {
    return this.outputsOf(
      input,
      layerNames.map((n) => this.getLayer(n)),
      "activations",
    );
  }

  /**
   * The states at every step of the recurrent layer `layerName` for one
   * sequence (viz.hiddenStates): the model runs up to that layer's input
   * (inference mode, no gradients), and the layer reports its hidden (and,
   * for an LSTM, cell) states [time, units].
   */
  recurrentStates(sequence: ArrayLikeTensor, layerName: string): RecurrentStates {
    const layer = this.getLayer(layerName);
    if (!hasRecurrentStates(layer)) {
      throw new Error(
        `recurrentStates: layer "${layer.name}" (${layer.className}) has no recurrent states; name a SimpleRNN, LSTM, GRU or Bidirectional layer`,
      );
    }
    const node = this.nodes?.find((n) => n.layer === layer);
    if (!node)
      throw new Error(
        `recurrentStates: ${this.describe()} has no graph to run up to "${layer.name}"; start the model with keras.Input or call it once`,
      );
    const [input] = this.outputsOf(sequence, [node.inputs[0].node.layer], "recurrentStates");
    return layer.recurrentStates(input);
  }

  /** The outputs of `wanted` for one input (the batch axis added when it is missing): inference mode, no gradients. */
  private outputsOf(input: ArrayLikeTensor, wanted: readonly Layer[], op: string): Tensor[] {
    const expectedRank = this.inputs[0]?.shape.length ?? input.shape.length;
    const x = tensor(
      Float32Array.from(input.dataSync()),
      input.shape.length === expectedRank - 1 ? [1, ...input.shape] : input.shape,
    );
    return noGrad(() => {
      const found = new Map<Layer, Tensor>();
      const record = (layer: Layer, out: Tensor) => {
        if (wanted.includes(layer)) found.set(layer, out);
      };
      this.trace(x, record);
      return wanted.map((l) => {
        const t = found.get(l);
        if (!t) throw new Error(`${op}: layer "${l.name}" was not reached by the forward pass`);
        return t;
      });
    });
  }

  /** Runs inference on x, reporting every layer's output (functional and Sequential models). */
  protected trace(x: Tensor, report: (layer: Layer, out: Tensor) => void): Tensor {
    if (!this.nodes) throw new Error(`${this.describe()}: layer activations need a functional or Sequential model`);
    const values = new Map<KerasTensor, Tensor>([[this.inputs[0], x]]);
    report(this.inputs[0].node.layer, x);
    for (const node of this.nodes) {
      const args = node.inputs.map((t) => values.get(t)!);
      const out = node.layer.apply(node.listInput ? args : args[0], { training: false });
      values.set(node.output, out);
      report(node.layer, out);
    }
    return values.get(this.outputs[0])!;
  }

  /** One value per output, arranged as the outputs were given: the one value, the list, or an object by key. */
  private structured<V>(values: V[]): V | V[] | Record<string, V> {
    if (this.outputStructure === "single") return values[0];
    if (this.outputStructure === "list") return values;
    return Object.fromEntries(this.outputNames.map((k, i) => [k, values[i]]));
  }

  /** Keeps the layer contract (one tensor out) for calls that cannot return a list. */
  private requireOneOutput(how: string): void {
    if (this.outputs.length > 1) {
      throw new Error(
        `${this.describe()} has ${this.outputs.length} outputs (${this.outputNames.join(", ")}) and cannot be ${how}; use model.predict(x) for all outputs, or build a model for one output`,
      );
    }
  }

  /** Makes this a graph model from symbolic inputs to outputs. */
  protected setGraph(
    inputs: KerasTensor | readonly KerasTensor[] | undefined,
    outputs: KerasTensor | readonly KerasTensor[] | undefined,
  ): void {
    const ins = toList(inputs, "inputs");
    const outs = toList(outputs, "outputs");
    const names = outs.map((t) => t.node.layer.name);
    const repeated = names.find((n, i) => names.indexOf(n) !== i);
    if (repeated !== undefined && !this.outputKeys) {
      throw new Error(
        `keras.Model: two outputs come from layer "${repeated}"; outputs are named by their layer, so give each output its own final layer`,
      );
    }
    this.nodes = topologicalNodes(ins, outs);
    this.inputs = ins;
    this.outputs = outs;
    this.built = true;
    this.buildInputShape = ins.length === 1 ? ins[0].shape : ins.map((t) => t.shape);
  }
}

registerModelClass("Model", Model);

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

interface RecurrentLayer extends Layer {
  recurrentStates(sequence: Tensor): RecurrentStates;
}

function hasRecurrentStates(layer: Layer): layer is RecurrentLayer {
  return typeof (layer as Partial<RecurrentLayer>).recurrentStates === "function";
}

function isNamedOutputs(outputs: ModelOutputs | undefined): outputs is Readonly<Record<string, KerasTensor>> {
  return (
    typeof outputs === "object" && outputs !== null && !Array.isArray(outputs) && !(outputs instanceof KerasTensor)
  );
}

function toList(value: KerasTensor | readonly KerasTensor[] | undefined, what: string): KerasTensor[] {
  const list = value === undefined ? [] : Array.isArray(value) ? [...value] : [value as KerasTensor];
  if (list.length === 0 || !list.every((t) => t instanceof KerasTensor)) {
    throw new Error(
      `keras.Model: ${what} must be symbolic tensors from keras.Input and layer calls, e.g. keras.Model({ inputs, outputs })`,
    );
  }
  return list;
}
