/** UpSampling2D: repeats rows and columns (nearest neighbour), (h, w) -> (h * sh, w * sw). */
import type { Tensor } from "../../tensor";
import { upsample2d } from "../../ops/pool";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { pair, type SymbolicShape } from "../utils/shape";
import { fromConfigOptions, positionalSecond } from "./config";
import { requireImageInput } from "./conv_utils";

export interface UpSampling2DOptions extends LayerOptions {
  /** Repeat factor (default 2); may also be the first positional argument, as in Keras. */
  size?: number | readonly number[];
  interpolation?: "nearest";
}

export class UpSampling2D extends Layer {
  readonly size: [number, number];

  constructor(sizeOrOptions?: number | readonly number[] | UpSampling2DOptions, maybeOptions: UpSampling2DOptions = {}) {
    const options = positionalSecond(sizeOrOptions, maybeOptions, "size");
    super(options);
    this.size = pair(options.size ?? 2, "size", "UpSampling2D");
    if ((options.interpolation ?? "nearest") !== "nearest") {
      throw new Error(`UpSampling2D: only interpolation "nearest" is supported, got "${options.interpolation}"`);
    }
  }

  override build(inputShape: InputShapes): void {
    requireImageInput(this, inputShape as SymbolicShape);
  }

  override call(inputs: LayerInputs): Tensor {
    return upsample2d(inputs as Tensor, this.size);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [n, h, w, c] = inputShape as SymbolicShape;
    return [n, h === null ? null : h * this.size[0], w === null ? null : w * this.size[1], c];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size };
  }
}

registerLayer("UpSampling2D", (c) => new UpSampling2D(fromConfigOptions<UpSampling2DOptions>(c)));
