import { describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";

describe("errors name the op, the shapes and the rule", () => {
  const cases: [string, () => unknown, string][] = [
    [
      "matmul inner dimensions",
      () => nn.matmul(nn.zeros([2, 3]), nn.zeros([4, 5])),
      "matmul: [2,3] x [4,5]: inner dimensions 3 and 4 differ",
    ],
    [
      "broadcasting",
      () => nn.add(nn.zeros([2, 3]), nn.zeros([4])),
      "add: [2,3] and [4] cannot be broadcast: dimension -1 is 3 and 4 (sizes must match or one must be 1)",
    ],
    [
      "reshape size",
      () => nn.reshape(nn.zeros([2, 3]), [4, 2]),
      "reshape: [2,3] (6 elements) cannot be reshaped to [4,2]: that shape holds 8 elements",
    ],
    [
      "conv2d channels",
      () => nn.conv2d(nn.zeros([1, 28, 28, 3]), nn.zeros([3, 3, 1, 32])),
      "conv2d: input [1,28,28,3] has 3 channels but filter [3,3,1,32] expects 1 (its third axis)",
    ],
    [
      "conv2d rank",
      () => nn.conv2d(nn.zeros([28, 28]), nn.zeros([3, 3, 1, 32])),
      "conv2d: input [28,28] must have rank 4: [batch, height, width, channels]",
    ],
    [
      "conv2d window too large",
      () => nn.conv2d(nn.zeros([1, 2, 2, 1]), nn.zeros([3, 3, 1, 1])),
      'conv2d: input height 2 is smaller than the window (3 taps) with padding "valid"; use padding "same" or a smaller window',
    ],
    [
      "axis range",
      () => nn.sum(nn.zeros([2, 3]), 2),
      "sum: axis 2 is out of range for a tensor of rank 2 (valid: -2..1)",
    ],
    [
      "gather index",
      () => nn.gather(nn.zeros([3, 2]), [0, 3]),
      "gather: index 3 (at position 1) is out of range for axis 0 of [3,2]: indices must be in [0, 3)",
    ],
    [
      "concat shapes",
      () => nn.concat([nn.zeros([2, 3]), nn.zeros([2, 4])], 0),
      "concat: tensor 1 is [2,4] float32 but tensor 0 is [2,3] float32: all dimensions except axis 0 and the dtype must match",
    ],
    [
      "ragged nested arrays",
      () => nn.tensor([[1, 2], [3]]),
      "tensor: nested arrays must be rectangular: expected length 2 at [1], found length 1",
    ],
    ["tensor shape", () => nn.tensor([1, 2, 3], [2, 2]), "tensor: 3 values cannot have shape [2,2] (4 elements)"],
    ["backward without grad", () => nn.zeros([1]).backward(), "backward: this tensor [1] does not require grad"],
    ["item of many", () => nn.zeros([2]).item(), "item: the tensor is [2] with 2 elements; item() needs exactly one"],
    [
      "transpose permutation",
      () => nn.transpose(nn.zeros([2, 3]), [0, 0]),
      "transpose: [0,0] is not a permutation of the 2 axes of [2,3]",
    ],
    ["squeeze non-unit axis", () => nn.squeeze(nn.zeros([2, 3]), 0), "squeeze: axis 0 of [2,3] has size 2, not 1"],
    [
      "slice out of bounds",
      () => nn.slice(nn.zeros([4]), [3], [2]),
      "slice: axis 0: begin 3 size 2 is outside [0, 4) of [4]",
    ],
    ["argmax of empty axis", () => nn.argmax(nn.zeros([2, 0])), "argmax: axis -1 of [2,0] is empty"],
    [
      "a non-tensor operand",
      () => nn.add(nn.zeros([2]), [1, 2] as never),
      "expected a Tensor or a number, got an array (wrap it with nn.tensor(...))",
    ],
    ["unknown backend", () => nn.setBackend("tpu"), 'nn.setBackend: unknown backend "tpu"; registered backends are'],
  ];
  for (const [name, fn, message] of cases) {
    it(name, () => expect(fn).toThrow(message));
  }
});
