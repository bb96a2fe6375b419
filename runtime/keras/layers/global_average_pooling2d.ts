/** GlobalAveragePooling2D: the mean over height and width, one value per channel. */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";
import { requireImageInput } from "./conv_utils";

export interface GlobalAveragePooling2DOptions extends LayerOptions {
  /** Keep the pooled axes as size 1: output (batch, 1, 1, channels). */
  keepdims?: boolean;
}

export class GlobalAveragePooling2D extends Layer {
  readonly keepdims: boolean;

  constructor(options: GlobalAveragePooling2DOptions = {}) {
    super(options);
    this.keepdims = options.keepdims ?? false;
  }

  override build(inputShape: InputShapes): void {
    requireImageInput(this, inputShape as SymbolicShape);
  }

  override call(inputs: LayerInputs): Tensor {
    return (inputs as Tensor).mean([1, 2], this.keepdims);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [n, , , c] = inputShape as SymbolicShape;
    return this.keepdims ? [n, 1, 1, c] : [n, c];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), keepdims: this.keepdims };
  }
}

registerLayer("GlobalAveragePooling2D", (c) => new GlobalAveragePooling2D(fromConfigOptions(c)));
