/**
 * The shared body of MaxPooling1D and AveragePooling1D: window, strides
 * (default: the window) and padding, run as 2-D pooling of an [N, 1, W, C] view.
 */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import type { SymbolicShape } from "../utils/shape";
import { avgPool2d, maxPool2d } from "../../ops/pool";
import { positionalSecond } from "./config";
import {
  convOutputLength,
  parsePadding,
  requirePositiveOutput,
  requireSequenceInput,
  single,
  type PaddingMode,
} from "./conv_utils";

export interface Pooling1DOptions extends LayerOptions {
  /** Window length (default 2); may also be the first positional argument, as in Keras. */
  poolSize?: number | readonly number[];
  /** Step between windows; defaults to poolSize. */
  strides?: number | readonly number[] | null;
  padding?: PaddingMode;
}

export abstract class Pooling1D extends Layer {
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: PaddingMode;
  protected abstract readonly mode: "max" | "avg";

  constructor(poolSizeOrOptions?: number | readonly number[] | Pooling1DOptions, maybeOptions: Pooling1DOptions = {}) {
    const options = positionalSecond(poolSizeOrOptions, maybeOptions, "poolSize");
    super(options);
    const who = new.target.name;
    this.poolSize = single(options.poolSize ?? 2, "poolSize", who);
    this.strides = single(options.strides ?? this.poolSize, "strides", who);
    this.padding = parsePadding(options.padding, who);
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    requireSequenceInput(this, shape);
    requirePositiveOutput(this, shape, this.computeOutputShape(shape).slice(1, 2), [this.poolSize]);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const [n, steps, channels] = x.shape;
    const pool = this.mode === "max" ? maxPool2d : avgPool2d;
    const y = pool(x.reshape([n, 1, steps, channels]), [1, this.poolSize], {
      strides: [1, this.strides],
      padding: this.padding,
    });
    return y.reshape([n, y.shape[2], channels]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [n, steps, c] = inputShape as SymbolicShape;
    return [n, convOutputLength(steps, this.poolSize, this.strides, this.padding), c];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: [this.poolSize], strides: [this.strides], padding: this.padding };
  }
}
