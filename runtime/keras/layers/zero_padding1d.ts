/** ZeroPadding1D: adds zeros at the start and end of each sequence (Keras's ZeroPadding1D). */
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions, positionalSecond } from "./config";
import { margins1D, SpatialMargins, type Margins1D } from "./margins";

export interface ZeroPadding1DOptions extends LayerOptions {
  /** Default 1 on every side; may also be the first positional argument, as in Keras. */
  padding?: Margins1D;
}

export class ZeroPadding1D extends SpatialMargins {
  protected readonly kind = "pad";

  /** `ZeroPadding1D(2) or ZeroPadding1D({ padding: [left, right] })`. */
  constructor(paddingOrOptions?: Margins1D | ZeroPadding1DOptions, maybeOptions: ZeroPadding1DOptions = {}) {
    const options = positionalSecond(paddingOrOptions, maybeOptions, "padding");
    super(options, margins1D(options.padding ?? 1, "padding", "ZeroPadding1D"));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.margins[0] };
  }
}

registerLayer("ZeroPadding1D", (c) => new ZeroPadding1D(fromConfigOptions<ZeroPadding1DOptions>(c)));
