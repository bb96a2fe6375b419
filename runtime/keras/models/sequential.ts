/**
 * keras.Sequential: a plain stack of layers, each fed the previous one's
 * output. When the input shape is known (a keras.Input first, or `inputShape`
 * on the first layer), every layer is built as it is added, so a shape error
 * appears at once and names the layer and both shapes; otherwise the model is
 * built from the first data it sees. Once built it is a functional model
 * (a Functional) whose graph is the chain of its layers.
 */
import type { Tensor } from "../../tensor";
import { Input, InputLayer } from "../engine/input_layer";
import {
  batchless,
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
} from "../engine/layer";
import { KerasTensor } from "../engine/keras_tensor";
import type { SymbolicShape } from "../utils/shape";
import type { ModelSpec } from "../saving/spec";
import { Functional, layerSpec } from "./functional";

export type SequentialItem = Layer | KerasTensor;

export class Sequential extends Functional<KerasTensor> {
  private stack: Layer[] = [];
  private current: KerasTensor | null = null;

  constructor(layers: readonly SequentialItem[] = [], options: LayerOptions = {}) {
    super(options);
    const given: unknown = layers; // checked as unknown: Array.isArray narrows a readonly array's type to any[]
    if (!Array.isArray(given))
      throw new Error("keras.Sequential: pass a list of layers, e.g. keras.Sequential([layers.Dense(10)])");
    for (const item of layers) this.add(item);
  }

  /** Appends a layer (or, first, a keras.Input), building it now if the input shape is known. */
  add(item: SequentialItem): void {
    if (item instanceof KerasTensor) {
      if (!(item.node.layer instanceof InputLayer) || this.stack.length > 0 || this.current) {
        throw new Error("Sequential.add: a symbolic tensor can only come first, and only from keras.Input({ shape })");
      }
      this.current = item;
      this.inputs = [item];
      return;
    }
    if (!(item instanceof Layer)) throw new Error(`Sequential.add: expected a layer, got ${String(item)}`);
    if (item instanceof InputLayer) return this.add(item.output);
    if (!this.current && this.stack.length === 0 && item.batchInputShape)
      this.add(Input({ shape: item.batchInputShape.slice(1) }));
    if (this.current) {
      this.current = item.apply(this.current);
      this.outputs = [this.current];
      this.rebuildGraph();
    }
    this.stack.push(item);
  }

  /** Removes the last layer. */
  pop(): Layer {
    const last = this.stack.pop();
    if (!last) throw new Error("Sequential.pop: the model has no layers");
    if (this.inputs.length > 0) this.buildFrom(this.inputs[0].shape);
    return last;
  }

  override get layers(): Layer[] {
    return [...this.stack];
  }

  override call(inputs: LayerInputs, options: CallOptions): Tensor {
    this.requireLayers();
    if (!this.current) this.buildFrom(batchless((inputs as Tensor).shape));
    return this.stack.reduce((x, layer) => layer.apply(x, options), inputs as Tensor);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    this.requireLayers();
    return super.computeOutputShape(inputShape);
  }

  override build(inputShape: InputShapes): void {
    if (!this.current) this.buildFrom(inputShape as SymbolicShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), inputShape: this.inputs[0]?.shape.slice(1) ?? null };
  }

  /** The layers in order, and the input shape when it is known (a subclass of Sequential is saved as a Sequential). */
  override architecture(): ModelSpec {
    return {
      className: "Sequential",
      name: this.name,
      inputShape: this.inputs[0] ? [...this.inputs[0].shape.slice(1)] : null,
      layers: this.layers.map(layerSpec),
    };
  }

  private requireLayers(): void {
    if (this.stack.length === 0) throw new Error(`${this.describe()} has no layers; add some with model.add(layer)`);
  }

  /** Builds every layer symbolically from an input of `shape` (batch axis first). */
  private buildFrom(shape: SymbolicShape): void {
    let t = Input({ shape: shape.slice(1) });
    this.inputs = [t];
    for (const layer of this.stack) t = layer.apply(t);
    this.current = t;
    this.outputs = [t];
    this.rebuildGraph();
  }

  private rebuildGraph(): void {
    this.setGraph(this.inputs, this.outputs);
  }
}
