/**
 * SpatialDropout1D and SpatialDropout2D: while training, drop whole feature
 * channels (the same ones at every step or pixel of an example) with
 * probability `rate` and scale the rest by 1 / (1 - rate). Neighbouring steps
 * or pixels are strongly correlated, so dropping single values would barely
 * regularise; the identity at inference.
 */
import type { Tensor } from "../../tensor";
import { dropoutMask } from "../../ops/dropout";
import type { InputShapes, LayerConfig, LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { fromConfigOptions } from "./config";
import { TrainingNoise } from "./training_noise";

export interface SpatialDropout2DOptions extends LayerOptions {
  /** Where the channels are: "channels_last" (batch, rows, cols, channels), the default, or "channels_first", as Keras. */
  dataFormat?: "channels_last" | "channels_first";
}

abstract class SpatialDropout extends TrainingNoise {
  readonly rate: number;

  constructor(rate: number, options: LayerOptions) {
    super(options);
    if (!(rate >= 0 && rate < 1)) throw new Error(`${new.target.name}: rate must be in [0, 1), got ${String(rate)}`);
    this.rate = rate;
  }

  /** The input's rank, batch axis included. */
  protected abstract readonly rank: number;
  /** The shape of the dropout mask for an input of `shape`: 1 on the axes a channel spans. */
  protected abstract noiseShape(shape: readonly number[]): number[];

  override build(inputShape: InputShapes): void {
    if ((inputShape as SymbolicShape).length !== this.rank)
      throw this.shapeError(`needs inputs of rank ${this.rank} (batch axis included)`, inputShape);
  }

  protected override addNoise(x: Tensor): Tensor {
    return this.rate === 0 ? x : x.mul(dropoutMask(this.noiseShape(x.shape), this.rate));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), rate: this.rate };
  }
}

/** Drops whole channels of (batch, steps, channels) inputs. */
export class SpatialDropout1D extends SpatialDropout {
  protected readonly rank = 3;

  constructor(rate: number, options: LayerOptions = {}) {
    super(rate, options);
  }

  protected noiseShape([batch, , channels]: readonly number[]): number[] {
    return [batch, 1, channels];
  }
}

/** Drops whole channels (feature maps) of (batch, rows, cols, channels) inputs, or (batch, channels, rows, cols) with "channels_first". */
export class SpatialDropout2D extends SpatialDropout {
  protected readonly rank = 4;
  readonly dataFormat: "channels_last" | "channels_first";

  constructor(rate: number, options: SpatialDropout2DOptions = {}) {
    super(rate, options);
    this.dataFormat = options.dataFormat ?? "channels_last";
    if (this.dataFormat !== "channels_last" && this.dataFormat !== "channels_first") {
      throw new Error(
        `SpatialDropout2D: dataFormat must be "channels_last" or "channels_first", got ${JSON.stringify(options.dataFormat)}`,
      );
    }
  }

  protected noiseShape(shape: readonly number[]): number[] {
    return this.dataFormat === "channels_last" ? [shape[0], 1, 1, shape[3]] : [shape[0], shape[1], 1, 1];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

registerLayer("SpatialDropout1D", (c) => new SpatialDropout1D(c.rate as number, fromConfigOptions(c)));
registerLayer("SpatialDropout2D", (c) => new SpatialDropout2D(c.rate as number, fromConfigOptions(c)));
