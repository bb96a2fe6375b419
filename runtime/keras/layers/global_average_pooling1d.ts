/** GlobalAveragePooling1D: the mean over the steps of a sequence, one value per channel. */
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { GlobalPooling } from "./global_pooling";

export class GlobalAveragePooling1D extends GlobalPooling {
  protected readonly mode = "avg";
  protected readonly spatialRank = 1;
}

registerLayer("GlobalAveragePooling1D", (c) => new GlobalAveragePooling1D(fromConfigOptions(c)));
