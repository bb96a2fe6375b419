/** MaxPooling2D: the maximum of each window, per channel (Keras's MaxPooling2D). */
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { Pooling2D, type Pooling2DOptions } from "./pooling2d";

export class MaxPooling2D extends Pooling2D {
  protected readonly mode = "max";
}

registerLayer("MaxPooling2D", (c) => new MaxPooling2D(fromConfigOptions<Pooling2DOptions>(c)));
