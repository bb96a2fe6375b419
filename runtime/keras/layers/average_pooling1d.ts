/** AveragePooling1D: the mean of each window of steps, per channel (Keras's AveragePooling1D). */
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { Pooling1D, type Pooling1DOptions } from "./pooling1d";

export class AveragePooling1D extends Pooling1D {
  protected readonly mode = "avg";
}

registerLayer("AveragePooling1D", (c) => new AveragePooling1D(fromConfigOptions<Pooling1DOptions>(c)));
