/** MaxPooling1D: the maximum of each window of steps, per channel (Keras's MaxPooling1D). */
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { Pooling1D, type Pooling1DOptions } from "./pooling1d";

export class MaxPooling1D extends Pooling1D {
  protected readonly mode = "max";
}

registerLayer("MaxPooling1D", (c) => new MaxPooling1D(fromConfigOptions<Pooling1DOptions>(c)));
