/** GlobalMaxPooling1D: the maximum over the steps of a sequence, one value per channel. */
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { GlobalPooling } from "./global_pooling";

export class GlobalMaxPooling1D extends GlobalPooling {
  protected readonly mode = "max";
  protected readonly spatialRank = 1;
}

registerLayer("GlobalMaxPooling1D", (c) => new GlobalMaxPooling1D(fromConfigOptions(c)));
