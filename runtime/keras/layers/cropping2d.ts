/** Cropping2D: cuts rows and columns off the edges of each image (Keras's Cropping2D). */
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions, positionalSecond } from "./config";
import { margins2D, SpatialMargins, type Margins2D } from "./margins";

export interface Cropping2DOptions extends LayerOptions {
  /** Default 0 on every side; may also be the first positional argument, as in Keras. */
  cropping?: Margins2D;
}

export class Cropping2D extends SpatialMargins {
  protected readonly kind = "crop";

  /** `Cropping2D(1), Cropping2D([h, w]) or Cropping2D({ cropping: [[top, bottom], [left, right]] })`. */
  constructor(croppingOrOptions?: Margins2D | Cropping2DOptions, maybeOptions: Cropping2DOptions = {}) {
    const options = positionalSecond(croppingOrOptions, maybeOptions, "cropping");
    super(options, margins2D(options.cropping ?? 0, "cropping", "Cropping2D"));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), cropping: this.margins };
  }
}

registerLayer("Cropping2D", (c) => new Cropping2D(fromConfigOptions<Cropping2DOptions>(c)));
