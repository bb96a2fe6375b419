/** Average: the elementwise mean of a list of tensors of the same shape (ensembling branches). */
import type { Tensor } from "../../tensor";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { ElementwiseMerge } from "./elementwise_merge";

export class Average extends ElementwiseMerge {
  protected override combine(inputs: readonly Tensor[]): Tensor {
    return inputs
      .slice(1)
      .reduce((sum, t) => sum.add(t), inputs[0])
      .div(inputs.length);
  }
}

registerLayer("Average", (c) => new Average(fromConfigOptions(c)));
