/** Dropout: zeroes a random fraction of the values while training and rescales the rest. */
import { sizeOf } from "../backend/backend";
import { currentBackend } from "../backend/registry";
import { generatorState } from "../random";
import { compute, type Tensor } from "../tensor/core";
import { checkShape, rand } from "./creation";
import { div, lt, mul } from "./math";
import { toFloat } from "./operands";

export interface DropoutOptions {
  /** Only drop while training (default true); at inference dropout is the identity. */
  training?: boolean;
}

/**
 * Sets each value to 0 with probability `rate` and multiplies the kept ones
 * by 1 / (1 - rate), so the expected value is unchanged (inverted dropout,
 * as Keras). The mask comes from the seeded generator.
 */
export function dropout(x: Tensor, rate: number, options: DropoutOptions = {}): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  const input = toFloat(x);
  if (options.training === false || rate === 0) return input;
  return mul(input, dropoutMask(input.shape, rate));
}

/**
 * The mask dropout multiplies by: 0 with probability `rate`, else 1 / (1 - rate), from the seeded
 * generator. Layers that reuse one mask across steps or pixels (recurrent and spatial dropout) draw it
 * with a shape that broadcasts.
 */
export function dropoutMask(shape: readonly number[], rate: number): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate must be in [0, 1), got ${rate}`);
  if (currentBackend().dropoutMask) {
    // One pass on the backend, the same values and draws as the composed ops below.
    checkShape("dropout", shape);
    return compute("dropout", shape, "float32", (b) => b.dropoutMask!(generatorState(), sizeOf(shape), 1 - rate));
  }
  return div(lt(rand(shape), 1 - rate), 1 - rate);
}
