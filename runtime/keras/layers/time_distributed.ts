/**
 * TimeDistributed: applies one layer to every time step of [batch, time, ...]
 * with the same weights (Keras's TimeDistributed), by folding time into the
 * batch axis for one call of the inner layer.
 */
import type { Tensor } from "../../tensor";
import {
  Layer,
  type CallOptions,
  type InputShapes,
  type LayerConfig,
  type LayerInputs,
  type LayerOptions,
} from "../engine/layer";
import { layerFromConfig, registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { attachMask, maskOf } from "../recurrent/mask";
import { anyTime } from "../recurrent/shapes";

export class TimeDistributed extends Layer {
  readonly layer: Layer;

  constructor(layer: Layer, options: LayerOptions = {}) {
    super(options);
    if (!(layer instanceof Layer)) throw new Error(`TimeDistributed: expected a layer, got ${String(layer)}`);
    this.layer = layer;
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    if (shape.length < 3) throw this.shapeError("expects input [batch, time, ...] of rank >= 3", shape);
    this.layer.ensureBuilt([null, ...shape.slice(2)]);
  }

  override call(inputs: LayerInputs, options: CallOptions): Tensor {
    const x = inputs as Tensor;
    const [batch, time] = x.shape;
    const y = this.layer.apply(x.reshape([batch * time, ...x.shape.slice(2)]), options);
    const out = y.reshape([batch, time, ...y.shape.slice(1)]);
    const mask = maskOf(x);
    return mask ? attachMask(out, mask) : out;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    const inner = this.layer.computeOutputShape([null, ...shape.slice(2)]);
    return [shape[0], shape[1], ...inner.slice(1)];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), layer: { className: this.layer.className, config: this.layer.getConfig() } };
  }
}

registerLayer("TimeDistributed", (c) => {
  const { layer, ...rest } = c as LayerConfig & { layer: { className: string; config: LayerConfig } };
  return new TimeDistributed(layerFromConfig(layer.className, layer.config), rest);
});
