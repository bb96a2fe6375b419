/** GlobalAveragePooling2D: the mean over height and width, one value per channel. */
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { GlobalPooling, type GlobalPoolingOptions } from "./global_pooling";

export type GlobalAveragePooling2DOptions = GlobalPoolingOptions;

export class GlobalAveragePooling2D extends GlobalPooling {
  protected readonly mode = "avg";
  protected readonly spatialRank = 2;
}

registerLayer("GlobalAveragePooling2D", (c) => new GlobalAveragePooling2D(fromConfigOptions(c)));
