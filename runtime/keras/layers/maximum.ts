/** Maximum: the elementwise maximum of a list of tensors of the same shape. */
import type { Tensor } from "../../tensor";
import { maximum } from "../../ops/math";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { ElementwiseMerge } from "./elementwise_merge";

export class Maximum extends ElementwiseMerge {
  protected override combine(inputs: readonly Tensor[]): Tensor {
    return inputs.slice(1).reduce((m, t) => maximum(m, t), inputs[0]);
  }
}

registerLayer("Maximum", (c) => new Maximum(fromConfigOptions(c)));
