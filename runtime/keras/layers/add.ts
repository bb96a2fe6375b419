/** Add: the elementwise sum of a list of tensors of the same shape (a residual connection). */
import type { Tensor } from "../../tensor";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { ElementwiseMerge } from "./elementwise_merge";

export class Add extends ElementwiseMerge {
  protected override combine(inputs: readonly Tensor[]): Tensor {
    return inputs.slice(1).reduce((sum, t) => sum.add(t), inputs[0]);
  }
}

registerLayer("Add", (c) => new Add(fromConfigOptions(c)));
