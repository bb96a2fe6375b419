/** AveragePooling2D: the mean of each window, per channel (Keras's AveragePooling2D). */
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { Pooling2D, type Pooling2DOptions } from "./pooling2d";

export class AveragePooling2D extends Pooling2D {
  protected readonly mode = "avg";
}

registerLayer("AveragePooling2D", (c) => new AveragePooling2D(fromConfigOptions<Pooling2DOptions>(c)));
