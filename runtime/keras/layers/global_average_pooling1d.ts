/**
 * GlobalAveragePooling1D: the mean over the steps of a sequence, one value
 * per channel. With a mask attached to the input (Embedding with maskZero,
 * Masking) the mean is over the real steps only, as in Keras, so padding a
 * sequence does not change its average.
 */
import type { Tensor } from "../../tensor";
import type { LayerInputs } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { maskOf } from "../recurrent/mask";
import { fromConfigOptions } from "./config";
import { GlobalPooling } from "./global_pooling";

export class GlobalAveragePooling1D extends GlobalPooling {
  protected readonly mode = "avg";
  protected readonly spatialRank = 1;

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const mask = maskOf(x);
    if (!mask) return super.call(x);
    const weights = mask.cast("float32").expandDims(-1);
    // A row that is all padding averages to zeros rather than 0 / 0.
    const steps = weights.sum(1, this.keepdims).maximum(1);
    return x.mul(weights).sum(1, this.keepdims).div(steps);
  }
}

registerLayer("GlobalAveragePooling1D", (c) => new GlobalAveragePooling1D(fromConfigOptions(c)));
