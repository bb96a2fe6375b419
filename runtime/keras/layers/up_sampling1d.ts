/** UpSampling1D: repeats each step `size` times, (steps) -> (steps * size) (Keras's UpSampling1D). */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions, positionalSecond } from "./config";
import { requireSequenceInput, single } from "./conv_utils";

export interface UpSampling1DOptions extends LayerOptions {
  /** Repeat factor (default 2); may also be the first positional argument, as in Keras. */
  size?: number;
}

export class UpSampling1D extends Layer {
  readonly size: number;

  constructor(sizeOrOptions?: number | UpSampling1DOptions, maybeOptions: UpSampling1DOptions = {}) {
    const options = positionalSecond(sizeOrOptions, maybeOptions, "size");
    super(options);
    this.size = single(options.size ?? 2, "size", "UpSampling1D");
  }

  override build(inputShape: InputShapes): void {
    requireSequenceInput(this, inputShape as SymbolicShape);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const [n, steps, c] = x.shape;
    return x
      .reshape([n, steps, 1, c])
      .broadcastTo([n, steps, this.size, c])
      .reshape([n, steps * this.size, c]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [n, steps, c] = inputShape as SymbolicShape;
    return [n, steps === null ? null : steps * this.size, c];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size };
  }
}

registerLayer("UpSampling1D", (c) => new UpSampling1D(fromConfigOptions<UpSampling1DOptions>(c)));
