/** GlobalMaxPooling2D: the maximum over height and width, one value per channel. */
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { GlobalPooling } from "./global_pooling";

export class GlobalMaxPooling2D extends GlobalPooling {
  protected readonly mode = "max";
  protected readonly spatialRank = 2;
}

registerLayer("GlobalMaxPooling2D", (c) => new GlobalMaxPooling2D(fromConfigOptions(c)));
