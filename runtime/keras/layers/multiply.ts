/** Multiply: the elementwise product of a list of tensors of the same shape (gating, as in GLU-style blocks). */
import type { Tensor } from "../../tensor";
import { registerLayer } from "../engine/serialization";
import { fromConfigOptions } from "./config";
import { ElementwiseMerge } from "./elementwise_merge";

export class Multiply extends ElementwiseMerge {
  protected override combine(inputs: readonly Tensor[]): Tensor {
    return inputs.slice(1).reduce((product, t) => product.mul(t), inputs[0]);
  }
}

registerLayer("Multiply", (c) => new Multiply(fromConfigOptions(c)));
