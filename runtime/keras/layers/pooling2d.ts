/** The shared body of MaxPooling2D and AveragePooling2D: window, strides (default: the window) and padding. */
import type { Tensor } from "../../tensor";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { pair, type SymbolicShape } from "../utils/shape";
import { avgPool2d, maxPool2d } from "../../ops/pool";
import { positionalSecond } from "./config";
import {
  windowOutputShape2D,
  parsePadding,
  requireImageInput,
  requirePositiveOutput,
  type PaddingMode,
} from "./conv_utils";

export interface Pooling2DOptions extends LayerOptions {
  /** Window size (default 2); may also be the first positional argument, as in Keras. */
  poolSize?: number | readonly number[];
  /** Step between windows; defaults to poolSize. */
  strides?: number | readonly number[] | null;
  padding?: PaddingMode;
}

export abstract class Pooling2D extends Layer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: PaddingMode;
  protected abstract readonly mode: "max" | "avg";

  constructor(poolSizeOrOptions?: number | readonly number[] | Pooling2DOptions, maybeOptions: Pooling2DOptions = {}) {
    const options = positionalSecond(poolSizeOrOptions, maybeOptions, "poolSize");
    super(options);
    const who = new.target.name;
    this.poolSize = pair(options.poolSize ?? 2, "poolSize", who);
    this.strides = pair(options.strides ?? this.poolSize, "strides", who);
    this.padding = parsePadding(options.padding, who);
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    requireImageInput(this, shape);
    requirePositiveOutput(this, shape, this.computeOutputShape(shape).slice(1, 3), this.poolSize);
  }

  override call(inputs: LayerInputs): Tensor {
    const pool = this.mode === "max" ? maxPool2d : avgPool2d;
    return pool(inputs as Tensor, this.poolSize, { strides: this.strides, padding: this.padding });
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const shape = inputShape as SymbolicShape;
    return windowOutputShape2D(shape, this.poolSize, this.strides, this.padding, [1, 1], shape[3]);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }
}
