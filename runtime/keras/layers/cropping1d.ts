/** Cropping1D: cuts steps off the start and end of each sequence (Keras's Cropping1D). */
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions, positionalSecond } from "./config";
import { margins1D, SpatialMargins, type Margins1D } from "./margins";

export interface Cropping1DOptions extends LayerOptions {
  /** Default 1 on every side; may also be the first positional argument, as in Keras. */
  cropping?: Margins1D;
}

export class Cropping1D extends SpatialMargins {
  protected readonly kind = "crop";

  /** `Cropping1D(2) or Cropping1D({ cropping: [start, end] })`. */
  constructor(croppingOrOptions?: Margins1D | Cropping1DOptions, maybeOptions: Cropping1DOptions = {}) {
    const options = positionalSecond(croppingOrOptions, maybeOptions, "cropping");
    super(options, margins1D(options.cropping ?? 1, "cropping", "Cropping1D"));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), cropping: this.margins[0] };
  }
}

registerLayer("Cropping1D", (c) => new Cropping1D(fromConfigOptions<Cropping1DOptions>(c)));
