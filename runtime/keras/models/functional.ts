/**
 * A functional model: a graph of layer calls from symbolic inputs to outputs,
 * as Keras's Functional. `keras.Model({ inputs, outputs })` gives one
 * (models/model_factory.ts), for branching graphs: shared layers,
 * Concatenate/Add merges, several inputs, several outputs (`outputs: [a, b]`
 * makes `predict` return a list, `outputs: { cls: a, box: b }` an object
 * with those names). keras.Sequential is a Functional built layer by layer.
 *
 * One loop runs the graph (`run`): for calls, for training with several
 * outputs, and for the intermediate activations viz shows (activations,
 * recurrentStates). The graph also describes itself for saving
 * (`architecture`).
 */
import type { Tensor } from "../../tensor";
import { noGrad } from "../../autograd";
import { tensor } from "../../ops/creation";
import type { Layer, CallOptions, InputShapes, LayerInputs } from "../engine/layer";
import { KerasTensor, topologicalNodes, type Node } from "../engine/keras_tensor";
import type { SymbolicShape } from "../utils/shape";
import type { InboundCall, LayerSpec, ModelSpec } from "../saving/spec";
import { isNamedOutputs, type ModelOutputs, type OutputShape, type OutputStructure } from "./outputs";
import { Model, type ArrayLikeTensor, type ModelArgs, type RecurrentStates } from "./model";

export class Functional<T extends ModelOutputs = KerasTensor> extends Model<T> {
  /** Shown and saved as "Model", as a functional model always has been (its automatic name is "model", "model_1", ...). */
  static readonly kerasClassName = "Model";

  /** How `outputs` was given: predict and outputShape keep that structure, as Keras does (saving stores it). */
  readonly outputStructure: OutputStructure = "single";
  /** The keys of outputs given as an object, which name the outputs instead of their layers. */
  readonly outputKeys: readonly string[] | null = null;
  /** The layer calls between `inputs` and `outputs` (empty in a Sequential model until its input shape is known), each after those that feed it. */
  private nodes: Node[] = [];

  constructor(args: ModelArgs<T> = {}) {
    super(args);
    if (args.inputs === undefined && args.outputs === undefined) return; // a Sequential model sets its graph as layers are added
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

  protected override get isGraphModel(): boolean {
    return true;
  }

  override get inputNames(): string[] {
    return this.inputs.map((t) => t.node.layer.name);
  }

  override get outputNames(): string[] {
    return this.outputKeys ? [...this.outputKeys] : this.outputs.map((t) => t.node.layer.name);
  }

  override get outputShape(): OutputShape<T> {
    if (this.outputs.length === 0) return super.outputShape;
    return this.structured(this.outputs.map((t) => t.shape)) as OutputShape<T>;
  }

  /** The layers, in order: the InputLayers first, as Keras lists them, then each layer once in the order it is first called. */
  override get layers(): Layer[] {
    const seen = new Set<Layer>(this.inputs.map((t) => t.node.layer));
    for (const n of this.nodes) seen.add(n.layer);
    return [...seen];
  }

  override call(inputs: LayerInputs, options: CallOptions): Tensor {
    this.requireOneOutput("called as a layer");
    return this.run(Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor], options)[0];
  }

  override computeOutputs(inputs: readonly Tensor[], options: CallOptions): Tensor[] {
    // One output goes through apply, as any layer call (it records the output shape).
    return this.outputs.length > 1 ? this.run(inputs, options) : super.computeOutputs(inputs, options);
  }

  override computeOutputShape(_inputShape: InputShapes): SymbolicShape {
    this.requireOneOutput("called on a symbolic tensor (nested in another model)");
    return this.outputs[0].shape;
  }

  override build(_inputShape: InputShapes): void {
    // Built from its graph.
  }

  protected override lossOutputNames(): string[] {
    return this.outputs.length > 1 || this.outputKeys ? this.outputNames : [];
  }

  /** One value per output, arranged as the outputs were given: the one value, the list, or an object by key. */
  protected override structured<V>(values: V[]): V | V[] | Record<string, V> {
    if (this.outputStructure === "single") return values[0];
    if (this.outputStructure === "list") return values;
    return Object.fromEntries(this.outputNames.map((k, i) => [k, values[i]]));
  }

  // ----- the graph -----

  /**
   * Runs the graph on real tensors (one per input) and returns every output,
   * in order; `report` sees each layer's output as it is computed (the
   * InputLayers' too), for the activations viz shows.
   */
  protected run(
    inputs: readonly Tensor[],
    options: CallOptions,
    report?: (layer: Layer, out: Tensor) => void,
  ): Tensor[] {
    if (this.inputs.length === 0)
      throw new Error(`${this.describe()} has no graph yet: start it with keras.Input or call it once`);
    if (inputs.length !== this.inputs.length) {
      throw new Error(`${this.describe()} expects ${this.inputs.length} input(s), got ${inputs.length}`);
    }
    const values = new Map<KerasTensor, Tensor>();
    this.inputs.forEach((t, i) => {
      values.set(t, inputs[i]);
      report?.(t.node.layer, inputs[i]);
    });
    for (const node of this.nodes) {
      const args = node.inputs.map((t) => values.get(t)!);
      const out = node.layer.apply(node.listInput ? args : args[0], options);
      values.set(node.output, out);
      report?.(node.layer, out);
    }
    return this.outputs.map((t) => values.get(t)!);
  }

  /** Makes the graph from symbolic inputs to outputs. */
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

  // ----- saving -----

  /** The graph as JSON: every layer with its config and, per call, the "layer#node" ids of the tensors it consumed. */
  override architecture(): ModelSpec {
    // A subclass that passed { inputs, outputs } to super() may add code of its own, which JSON cannot hold.
    if (Object.getPrototypeOf(this) !== Functional.prototype) return super.architecture();
    const ids = new Map<KerasTensor, string>();
    const idOf = (t: KerasTensor) => {
      let id = ids.get(t);
      if (!id) {
        id = `${t.node.layer.name}#${t.node.layer.inboundNodes.indexOf(t.node)}`;
        ids.set(t, id);
      }
      return id;
    };
    const callsOf = new Map<Layer, InboundCall[]>();
    for (const layer of this.layers) callsOf.set(layer, []);
    // The nodes in topological order; a shared layer contributes one entry per call.
    for (const t of this.inputs) idOf(t);
    for (const node of this.nodes) {
      callsOf.get(node.layer)!.push({ inputs: node.inputs.map(idOf), listInput: node.listInput });
      idOf(node.output);
    }
    return {
      className: "Functional",
      name: this.name,
      layers: this.layers.map((l) => ({ ...layerSpec(l), inbound: callsOf.get(l) })),
      inputs: this.inputs.map(idOf),
      outputs: this.outputs.map(idOf),
      outputStructure: this.outputStructure,
      ...(this.outputKeys ? { outputKeys: [...this.outputKeys] } : {}),
    };
  }

  // ----- viz -----

  override activations(input: ArrayLikeTensor, layerNames: readonly string[]): Tensor[] {
    return this.outputsOf(
      input,
      layerNames.map((n) => this.getLayer(n)),
      "activations",
    );
  }

  override recurrentStates(sequence: ArrayLikeTensor, layerName: string): RecurrentStates {
    const layer = this.recurrentLayer(layerName);
    const node = this.nodes.find((n) => n.layer === layer);
    if (!node) return super.recurrentStates(sequence, layerName);
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
      this.run([x], { training: false }, (layer, out) => {
        if (wanted.includes(layer)) found.set(layer, out);
      });
      return wanted.map((l) => {
        const t = found.get(l);
        if (!t) throw new Error(`${op}: layer "${l.name}" was not reached by the forward pass`);
        return t;
      });
    });
  }

  /** Keeps the layer contract (one tensor out) for calls that cannot return a list. */
  private requireOneOutput(how: string): void {
    if (this.outputs.length > 1) {
      throw new Error(
        `${this.describe()} has ${this.outputs.length} outputs (${this.outputNames.join(", ")}) and cannot be ${how}; use model.predict(x) for all outputs, or build a model for one output`,
      );
    }
  }
}

/** A layer's entry in a saved architecture: its class and config, and a nested model's own architecture. */
export function layerSpec(layer: Layer): LayerSpec {
  if (layer instanceof Model)
    return { className: layer.className, config: layer.getConfig(), model: layer.architecture() };
  return { className: layer.className, config: layer.getConfig() };
}

function toList(value: KerasTensor | readonly KerasTensor[] | undefined, what: string): KerasTensor[] {
  const list: unknown[] =
    value === undefined ? [] : Array.isArray(value) ? [...(value as readonly unknown[])] : [value];
  if (list.length === 0 || !list.every((t) => t instanceof KerasTensor)) {
    throw new Error(
      `keras.Model: ${what} must be symbolic tensors from keras.Input and layer calls, e.g. keras.Model({ inputs, outputs })`,
    );
  }
  return list;
}
