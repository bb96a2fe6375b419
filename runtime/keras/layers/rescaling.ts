/** Rescaling: x * scale + offset, the preprocessing step `layers.Rescaling(1 / 255)` that maps pixels to [0, 1]. */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";

export interface RescalingOptions extends LayerOptions {
  /** Added after scaling (default 0); `Rescaling(1 / 127.5, { offset: -1 })` maps [0, 255] to [-1, 1]. */
  offset?: number;
}

export class Rescaling extends Layer {
  readonly scale: number;
  readonly offset: number;

  constructor(scale: number, options: RescalingOptions = {}) {
    super(options);
    this.scale = scale;
    this.offset = options.offset ?? 0;
    if (typeof scale !== "number" || !Number.isFinite(scale))
      throw new Error(`Rescaling: scale must be a finite number, got ${String(scale)}`);
    if (!Number.isFinite(this.offset))
      throw new Error(`Rescaling: offset must be a finite number, got ${String(options.offset)}`);
  }

  override call(inputs: LayerInputs): Tensor {
    const scaled = (inputs as Tensor).mul(this.scale);
    return this.offset === 0 ? scaled : scaled.add(this.offset);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}

registerLayer("Rescaling", (c) => new Rescaling(c.scale as number, fromConfigOptions(c)));
