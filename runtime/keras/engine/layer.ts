/**
 * The Layer base class, as Keras's: weights are created lazily by
 * `build(inputShape)` the first time the input shape is known, `call()`
 * computes the output, `computeOutputShape()` infers shapes without data.
 * Calling a layer on a symbolic tensor (from `keras.Input`) records a graph
 * node; calling it on a real tensor computes. Shape errors are raised at
 * build time and name the layer and both shapes.
 */
import { inspect } from "node:util";
import type { Tensor } from "../../tensor";
import { noGrad } from "../../autograd";
import { zeros } from "../../ops/creation";
import { getInitializer, type InitializerIdentifier } from "../initializers";
import { getRegularizer, type RegularizerIdentifier } from "../regularizers";
import { formatShape, shapesCompatible, type SymbolicShape } from "../utils/shape";
import { callableInstance, unwrapCallable } from "./callable";
import { KerasTensor, Node } from "./keras_tensor";
import { uniqueName } from "./naming";
import { Weight } from "./weight";

export interface LayerOptions {
  /** Unique within a model; defaults to the snake_case class name, numbered ("conv2d_1"). */
  name?: string;
  trainable?: boolean;
  /** Shape of one example (no batch axis), for the first layer of a Sequential model, as Keras 2's input_shape. */
  inputShape?: readonly (number | null)[];
  batchSize?: number;
  dtype?: "float32";
}

export interface CallOptions {
  /** Training mode: Dropout drops and BatchNormalization uses batch statistics. Default false. */
  training?: boolean;
}

/** One input shape, or one per input for layers that take a list (Concatenate, Add). */
export type InputShapes = SymbolicShape | readonly SymbolicShape[];
export type LayerInputs = Tensor | readonly Tensor[];
export type SymbolicInputs = KerasTensor | readonly KerasTensor[];

/** A JSON-able description of a layer's configuration (`getConfig()`), enough to rebuild it. */
export type LayerConfig = Record<string, unknown>;

export interface AddWeightOptions {
  initializer?: InitializerIdentifier;
  regularizer?: RegularizerIdentifier | null;
  trainable?: boolean;
}

// A layer instance is callable (the constructor returns callableInstance's function proxy), which only an
// interface merged into the class can declare; the call signatures have no members to initialise.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Layer {
  /** Calls the layer: symbolic tensors give a symbolic output (functional API), real tensors a real output. */
  (inputs: SymbolicInputs, options?: CallOptions): KerasTensor;
  (inputs: LayerInputs, options?: CallOptions): Tensor;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class Layer {
  /** Keras class name, e.g. "Conv2D". */
  readonly className: string;
  name: string;
  built = false;
  /** The input shape the layer was built for (batch axis `null`). */
  buildInputShape: InputShapes | null = null;
  /** Set from `inputShape`/`batchSize` options: where a Sequential model starts. */
  readonly batchInputShape: SymbolicShape | null;
  /** Every symbolic call of this layer, in order. */
  readonly inboundNodes: Node[] = [];
  /** The output shape of the latest call (shown by summary() for subclassed models). */
  lastOutputShape: SymbolicShape | null = null;
  protected ownWeights: Weight[] = [];
  private trainableFlag: boolean;

  constructor(options: LayerOptions = {}) {
    this.className = kerasClassName(new.target);
    this.name = options.name ?? uniqueName(this.className);
    this.trainableFlag = options.trainable ?? true;
    this.batchInputShape = options.inputShape ? [options.batchSize ?? null, ...options.inputShape] : null;
    return callableInstance(this, (self, args) =>
      self.apply(args[0] as LayerInputs, args[1] as CallOptions | undefined),
    );
  }

  // ----- subclass API -----

  /** Creates the weights for `inputShape`; validate the shape here and throw with `this.shapeError`. */
  build(_inputShape: InputShapes): void {}

  /** The output for `inputs`. */
  call(inputs: LayerInputs, _options: CallOptions): Tensor {
    return inputs as Tensor;
  }

  /**
   * The output shape for `inputShape`. The default runs `call` once on zeros
   * of batch 1 without gradients, which serves custom layers that do not
   * override it; the built-in layers compute it arithmetically.
   */
  computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const probe = (s: SymbolicShape) => {
      if (s.slice(1).some((d) => d === null)) {
        throw new Error(
          `${this.describe()}: cannot infer the output shape for input ${formatShape(s)}; override computeOutputShape()`,
        );
      }
      return zeros([1, ...(s.slice(1) as number[])]);
    };
    const inputs = isShapeList(inputShape) ? inputShape.map(probe) : probe(inputShape);
    const out = noGrad(() => this.call(inputs, { training: false }));
    return [null, ...out.shape.slice(1)];
  }

  /** Constructor options that rebuild this layer (saved in the model's architecture JSON). */
  getConfig(): LayerConfig {
    return { name: this.name, trainable: this.trainable };
  }

  /** Sub-layers whose weights belong to this one (a model's layers). Found from the layer's fields by default, as Keras tracks attributes. */
  get sublayers(): Layer[] {
    const found: Layer[] = [];
    // Read past the proxy every layer is (callable.ts): Object.values through its traps cost most of a model's `weights`.
    for (const value of Object.values(unwrapCallable(this))) {
      if (value instanceof Layer) found.push(value);
      else if (Array.isArray(value)) for (const v of value) if (v instanceof Layer) found.push(v);
    }
    return found;
  }

  // ----- calling -----

  /** Calls the layer (the same as `layer(inputs)`). */
  apply(inputs: SymbolicInputs, options?: CallOptions): KerasTensor;
  apply(inputs: LayerInputs, options?: CallOptions): Tensor;
  apply(inputs: SymbolicInputs | LayerInputs, options: CallOptions = {}): KerasTensor | Tensor {
    const list = Array.isArray(inputs) ? (inputs as readonly unknown[]) : [inputs];
    if (list.length > 0 && list.every((t) => t instanceof KerasTensor)) {
      return this.applySymbolic(inputs as SymbolicInputs);
    }
    if (list.some((t) => t instanceof KerasTensor)) {
      throw new Error(`${this.describe()}: cannot mix symbolic tensors (keras.Input) and real tensors in one call`);
    }
    const tensors = inputs as LayerInputs;
    const shapes: InputShapes = isTensorList(tensors)
      ? tensors.map((t) => batchless(t.shape))
      : batchless(tensors.shape);
    this.ensureBuilt(shapes);
    const out = this.call(tensors, options);
    this.lastOutputShape = batchless(out.shape);
    return out;
  }

  /** Builds the layer for `inputShape` unless it is built; later calls must be compatible with the shape it was built for. */
  ensureBuilt(inputShape: InputShapes): void {
    if (!this.built) {
      this.build(inputShape);
      this.built = true;
      this.buildInputShape = inputShape;
      return;
    }
    if (this.buildInputShape && !compatible(this.buildInputShape, inputShape)) {
      throw this.shapeError(`was built for input ${formatShapes(this.buildInputShape)}`, inputShape);
    }
  }

  /** The symbolic input of this layer's first call (Keras's `layer.input`). */
  get input(): KerasTensor | readonly KerasTensor[] {
    const node = this.firstNode("input");
    return node.listInput ? node.inputs : node.inputs[0];
  }

  /** The symbolic output of this layer's first call (Keras's `layer.output`), for building a new model from part of one. */
  get output(): KerasTensor {
    return this.firstNode("output").output;
  }

  // ----- weights -----

  get trainable(): boolean {
    return this.trainableFlag;
  }

  /** Freezing a layer (or a whole model: all its layers) removes its weights from updates and counts them as non-trainable. */
  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const l of this.sublayers) l.trainable = value;
  }

  /** Every weight: this layer's own, then its sub-layers' (each once, even if shared). */
  get weights(): Weight[] {
    const seen = new Set<Weight>();
    const visit = (layer: Layer, stack: Set<Layer>) => {
      if (stack.has(layer)) return;
      stack.add(layer);
      for (const w of layer.ownWeights) seen.add(w);
      for (const l of layer.sublayers) visit(l, stack);
    };
    visit(this, new Set());
    return [...seen];
  }

  get trainableWeights(): Weight[] {
    return this.weights.filter((w) => w.trainable);
  }

  get nonTrainableWeights(): Weight[] {
    return this.weights.filter((w) => !w.trainable);
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Copies of the weight values, in `weights` order (Keras's get_weights). */
  getWeights(): Tensor[] {
    return this.weights.map((w) => noGrad(() => w.value.detach().mul(1)));
  }

  /** Sets every weight, in `weights` order; each value's shape must match. */
  setWeights(values: readonly (Tensor | { data: Float32Array; shape: readonly number[] })[]): void {
    const weights = this.weights;
    if (values.length !== weights.length) {
      throw new Error(
        `${this.describe()}: setWeights got ${values.length} arrays but the layer has ${weights.length} weights (${weights.map((w) => w.path).join(", ") || "none"})`,
      );
    }
    weights.forEach((w, i) => {
      const v = values[i];
      if ("dataSync" in v) w.write(v.dataSync() as Float32Array, v.shape);
      else w.write(v.data, v.shape);
    });
  }

  /**
   * Adds a weight; call from `build`. Keras's keyword form
   * `addWeight({ shape, initializer, trainable, name })` or `addWeight(name, shape, options)`.
   */
  addWeight(options: AddWeightOptions & { shape: readonly number[]; name?: string }): Weight;
  addWeight(name: string, shape: readonly number[], options?: AddWeightOptions): Weight;
  addWeight(
    nameOrOptions: string | (AddWeightOptions & { shape: readonly number[]; name?: string }),
    shapeArg: readonly number[] = [],
    optionsArg: AddWeightOptions = {},
  ): Weight {
    const keyword = typeof nameOrOptions === "object";
    const name = keyword ? (nameOrOptions.name ?? `weight_${this.ownWeights.length}`) : nameOrOptions;
    const shape = keyword ? nameOrOptions.shape : shapeArg;
    const options = keyword ? nameOrOptions : optionsArg;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(
        `${this.describe()}: addWeight "${name}" needs a shape of non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
    const init = getInitializer(options.initializer ?? "glorot_uniform");
    const weight = new Weight(
      this,
      name,
      shape,
      init.generate(shape),
      options.trainable ?? true,
      getRegularizer(options.regularizer),
    );
    this.ownWeights.push(weight);
    return weight;
  }

  /** The regularisation penalties of every trainable weight that has a regularizer. */
  regularizationLosses(): Tensor[] {
    return this.trainableWeights.filter((w) => w.regularizer).map((w) => w.regularizer!.penalty(w.value));
  }

  // ----- errors and display -----

  /** 'Dense "dense_1"' — how errors name a layer. */
  describe(): string {
    return `${this.className} "${this.name}"`;
  }

  /** An error naming this layer, what it expected and the input shape it got. */
  shapeError(expected: string, got: InputShapes): Error {
    return new Error(`${this.describe()} ${expected}, but got input shape ${formatShapes(got)}`);
  }

  toString(): string {
    return `<${this.className} name=${this.name}, built=${this.built}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  private applySymbolic(inputs: SymbolicInputs): KerasTensor {
    const list = Array.isArray(inputs) ? (inputs as readonly KerasTensor[]) : [inputs as KerasTensor];
    const shapes: InputShapes = Array.isArray(inputs) ? list.map((t) => t.shape) : list[0].shape;
    this.ensureBuilt(shapes);
    const outShape = this.computeOutputShape(shapes);
    const node = new Node(this, list, Array.isArray(inputs));
    node.output = new KerasTensor(outShape, node, `${this.name}_output`);
    this.inboundNodes.push(node);
    this.lastOutputShape = outShape;
    return node.output;
  }

  private firstNode(what: string): Node {
    const node = this.inboundNodes[0];
    if (!node) {
      throw new Error(
        `${this.describe()} has no ${what} yet: it has not been called on a keras.Input (or added to a model with a known input shape)`,
      );
    }
    return node;
  }
}

/**
 * A layer class's Keras class name: its JavaScript name, unless the class
 * itself sets a static `kerasClassName` (Functional is named "Model", as a
 * functional model has always been shown and saved). Subclasses do not
 * inherit it: `class Mine extends ...` is "Mine".
 */
function kerasClassName(cls: abstract new (...args: never[]) => unknown): string {
  const own = Object.getOwnPropertyDescriptor(cls, "kerasClassName")?.value as unknown;
  return typeof own === "string" ? own : cls.name;
}

/** Array.isArray without narrowing to any[] (it does so for readonly arrays). */
function isTensorList(inputs: LayerInputs): inputs is readonly Tensor[] {
  return Array.isArray(inputs);
}

export function isShapeList(shape: InputShapes): shape is readonly SymbolicShape[] {
  return shape.length > 0 && Array.isArray(shape[0]);
}

/** A concrete shape with its batch axis replaced by null. */
export function batchless(shape: readonly number[]): SymbolicShape {
  return shape.length === 0 ? [] : [null, ...shape.slice(1)];
}

export function formatShapes(shape: InputShapes): string {
  return isShapeList(shape) ? `[${shape.map(formatShape).join(", ")}]` : formatShape(shape);
}

function compatible(built: InputShapes, got: InputShapes): boolean {
  const one = shapesCompatible;
  if (isShapeList(built) !== isShapeList(got)) return false;
  if (isShapeList(built)) {
    const g = got as readonly SymbolicShape[];
    return built.length === g.length && built.every((s, i) => one(s, g[i]));
  }
  return one(built, got as SymbolicShape);
}
