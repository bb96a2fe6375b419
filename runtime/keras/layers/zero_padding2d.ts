/** ZeroPadding2D: adds rows and columns of zeros around each image (Keras's ZeroPadding2D). */
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions, positionalSecond } from "./config";
import { margins2D, SpatialMargins, type Margins2D } from "./margins";

export interface ZeroPadding2DOptions extends LayerOptions {
  /** Default 1 on every side; may also be the first positional argument, as in Keras. */
  padding?: Margins2D;
}

export class ZeroPadding2D extends SpatialMargins {
  protected readonly kind = "pad";

  /** `ZeroPadding2D(1), ZeroPadding2D([h, w]) or ZeroPadding2D({ padding: [[top, bottom], [left, right]] })`. */
  constructor(paddingOrOptions?: Margins2D | ZeroPadding2DOptions, maybeOptions: ZeroPadding2DOptions = {}) {
    const options = positionalSecond(paddingOrOptions, maybeOptions, "padding");
    super(options, margins2D(options.padding ?? 1, "padding", "ZeroPadding2D"));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.margins };
  }
}

registerLayer("ZeroPadding2D", (c) => new ZeroPadding2D(fromConfigOptions<ZeroPadding2DOptions>(c)));
