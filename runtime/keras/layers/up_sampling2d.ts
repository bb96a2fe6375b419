/**
 * UpSampling2D: (h, w) -> (h * sh, w * sw), repeating rows and columns
 * ("nearest", the default) or interpolating between them ("bilinear",
 * sampled as TensorFlow's tf.image.resize: half-pixel centres).
 */
import type { Tensor } from "../../tensor";
import { resizeBilinear, upsample2d } from "../../ops/pool";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { pair, type SymbolicShape } from "../utils/shape";
import { fromConfigOptions, positionalSecond } from "./config";
import { requireImageInput } from "./conv_utils";

export interface UpSampling2DOptions extends LayerOptions {
  /** Repeat factor (default 2); may also be the first positional argument, as in Keras. */
  size?: number | readonly number[];
  /** "nearest" (default) or "bilinear". */
  interpolation?: UpSamplingInterpolation;
}

export type UpSamplingInterpolation = "nearest" | "bilinear";

export class UpSampling2D extends Layer {
  readonly size: [number, number];
  readonly interpolation: UpSamplingInterpolation;

  constructor(
    sizeOrOptions?: number | readonly number[] | UpSampling2DOptions,
    maybeOptions: UpSampling2DOptions = {},
  ) {
    const options = positionalSecond(sizeOrOptions, maybeOptions, "size");
    super(options);
    this.size = pair(options.size ?? 2, "size", "UpSampling2D");
    const interpolation = options.interpolation ?? "nearest";
    if (interpolation !== "nearest" && interpolation !== "bilinear") {
      throw new Error(`UpSampling2D: interpolation must be "nearest" or "bilinear", got "${String(interpolation)}"`);
    }
    this.interpolation = interpolation;
  }

  override build(inputShape: InputShapes): void {
    requireImageInput(this, inputShape as SymbolicShape);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    if (this.interpolation === "nearest") return upsample2d(x, this.size);
    return resizeBilinear(x, [x.shape[1] * this.size[0], x.shape[2] * this.size[1]]);
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    const [n, h, w, c] = inputShape as SymbolicShape;
    return [n, h === null ? null : h * this.size[0], w === null ? null : w * this.size[1], c];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size, interpolation: this.interpolation };
  }
}

registerLayer("UpSampling2D", (c) => new UpSampling2D(fromConfigOptions<UpSampling2DOptions>(c)));
