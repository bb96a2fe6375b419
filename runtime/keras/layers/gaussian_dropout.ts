/**
 * GaussianDropout: while training, multiplies by normal noise of mean 1 and
 * standard deviation sqrt(rate / (1 - rate)), the variance of Dropout(rate)'s
 * mask, without zeroing; the identity at inference.
 */
import type { Tensor } from "../../tensor";
import { randn } from "../../ops/creation";
import { registerLayer } from "../engine/serialization";
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { fromConfigOptions } from "./config";
import { TrainingNoise } from "./training_noise";

export class GaussianDropout extends TrainingNoise {
  readonly rate: number;

  constructor(rate: number, options: LayerOptions = {}) {
    super(options);
    if (!(rate >= 0 && rate < 1)) throw new Error(`GaussianDropout: rate must be in [0, 1), got ${String(rate)}`);
    this.rate = rate;
  }

  protected override addNoise(x: Tensor): Tensor {
    if (this.rate === 0) return x;
    return x.mul(randn(x.shape, { mean: 1, std: Math.sqrt(this.rate / (1 - this.rate)) }));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate };
  }
}

registerLayer("GaussianDropout", (c) => new GaussianDropout(c.rate as number, fromConfigOptions(c)));
