/** GaussianNoise: while training, adds zero-mean normal noise of standard deviation `stddev`; the identity at inference. */
import type { Tensor } from "../../tensor";
import { randn } from "../../ops/creation";
import { registerLayer } from "../engine/serialization";
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { fromConfigOptions } from "./config";
import { TrainingNoise } from "./training_noise";

export class GaussianNoise extends TrainingNoise {
  readonly stddev: number;

  constructor(stddev: number, options: LayerOptions = {}) {
    super(options);
    if (!(stddev >= 0) || !Number.isFinite(stddev))
      throw new Error(`GaussianNoise: stddev must be a finite number >= 0, got ${String(stddev)}`);
    this.stddev = stddev;
  }

  protected override addNoise(x: Tensor): Tensor {
    return this.stddev === 0 ? x : x.add(randn(x.shape, { std: this.stddev }));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}

registerLayer("GaussianNoise", (c) => new GaussianNoise(c.stddev as number, fromConfigOptions(c)));
