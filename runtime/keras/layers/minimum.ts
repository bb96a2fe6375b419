/** Minimum: the elementwise minimum of a list of tensors of the same shape. */
import type { Tensor } from "../../tensor";
import { minimum } from "../../ops/math";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { ElementwiseMerge } from "./elementwise_merge";

export class Minimum extends ElementwiseMerge {
  protected override combine(inputs: readonly Tensor[]): Tensor {
    return inputs.slice(1).reduce((m, t) => minimum(m, t), inputs[0]);
  }
}

registerLayer("Minimum", (c) => new Minimum(fromConfigOptions(c)));
