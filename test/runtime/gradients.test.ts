import { beforeEach, describe, it } from "vitest";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { expectGradientsMatch, type GradcheckOptions } from "./gradcheck";

type Case = [name: string, fn: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[], options?: GradcheckOptions];

const randn = (...shape: number[]): Tensor => nn.randn(shape);
const positive = (...shape: number[]): Tensor => nn.rand(shape, { low: 0.5, high: 2 });

const elementwise: Case[] = [
  ["add with broadcasting [2,3] + [3]", (a, b) => nn.add(a, b), () => [randn(2, 3), randn(3)]],
  ["add with broadcasting [4,1] + [1,5]", (a, b) => nn.add(a, b), () => [randn(4, 1), randn(1, 5)]],
  ["sub with a scalar tensor", (a, b) => nn.sub(a, b), () => [randn(2, 3), randn()]],
  ["mul with broadcasting [2,1,3] * [4,1]", (a, b) => nn.mul(a, b), () => [randn(2, 1, 3), randn(4, 1)]],
  ["div with broadcasting", (a, b) => nn.div(a, b), () => [randn(3, 2), positive(2)]],
  ["pow in base and exponent", (a, b) => nn.pow(a, b), () => [positive(2, 3), randn(2, 3)]],
  ["pow with a constant exponent", (a) => nn.pow(a, 3), () => [randn(5)]],
  ["maximum", (a, b) => nn.maximum(a, b), () => [randn(3, 4), randn(4)]],
  ["minimum", (a, b) => nn.minimum(a, b), () => [randn(3, 4), randn(3, 1)]],
  ["where", (a, b) => nn.where(nn.gt(a, 0), a, b), () => [randn(3, 4), randn(4)]],
  ["neg", (a) => nn.neg(a), () => [randn(7)]],
  ["abs", (a) => nn.abs(a), () => [randn(7)]],
  ["exp", (a) => nn.exp(a), () => [randn(7)]],
  ["log", (a) => nn.log(a), () => [positive(7)]],
  ["sqrt", (a) => nn.sqrt(a), () => [positive(7)]],
  ["square", (a) => nn.square(a), () => [randn(7)]],
  ["reciprocal", (a) => nn.reciprocal(a), () => [positive(7)]],
  ["sin", (a) => nn.sin(a), () => [randn(7)]],
  ["cos", (a) => nn.cos(a), () => [randn(7)]],
  ["erf", (a) => nn.erf(a), () => [randn(7)]],
  [
    "sign, floor, ceil and round have zero gradient",
    (a) => nn.add(nn.add(nn.sign(a), nn.floor(a)), nn.add(nn.ceil(a), nn.round(a))),
    () => [nn.tensor([0.3, 1.7, -2.2, -0.6])],
  ],
  ["clip passes the gradient inside the range only", (a) => nn.clip(a, -0.5, 0.5), () => [randn(9)]],
  ["tanh", (a) => nn.tanh(a), () => [randn(7)]],
  ["sigmoid", (a) => nn.sigmoid(a), () => [randn(7)]],
  ["relu", (a) => nn.relu(a), () => [randn(9)]],
  ["leakyRelu", (a) => nn.leakyRelu(a, 0.1), () => [randn(9)]],
  ["elu", (a) => nn.elu(a, 1.5), () => [randn(9)]],
  ["softplus", (a) => nn.softplus(a), () => [randn(9)]],
  ["gelu", (a) => nn.gelu(a), () => [randn(9)]],
  ["softmax over the last axis", (a) => nn.softmax(a), () => [randn(3, 5)]],
  ["softmax over axis 0", (a) => nn.softmax(a, 0), () => [randn(3, 5)]],
  ["logSoftmax", (a) => nn.logSoftmax(a, -1), () => [randn(4, 6)]],
];

const reductions: Case[] = [
  ["sum over everything", (a) => nn.sum(a), () => [randn(3, 4)]],
  ["sum over axes [0,2] with keepDims", (a) => nn.sum(a, [0, 2], true), () => [randn(2, 3, 4)]],
  ["mean over axis 1", (a) => nn.mean(a, 1), () => [randn(3, 4)]],
  ["max over axis -1", (a) => nn.max(a, -1), () => [randn(3, 5)]],
  ["min over axes [0,1]", (a) => nn.min(a, [0, 1]), () => [randn(3, 4, 2)]],
  ["prod over axis 0", (a) => nn.prod(a, 0), () => [positive(3, 4)]],
  ["logSumExp over axis 1", (a) => nn.logSumExp(a, 1), () => [randn(3, 5)]],
  ["variance over axis 0", (a) => nn.variance(a, 0), () => [randn(5, 3)]],
  ["std over everything", (a) => nn.std(a), () => [randn(4, 3)]],
];

const movement: Case[] = [
  ["reshape", (a) => nn.reshape(a, [3, -1]), () => [randn(2, 6)]],
  ["transpose with a permutation", (a) => nn.transpose(a, [2, 0, 1]), () => [randn(2, 3, 4)]],
  ["squeeze and expandDims", (a) => nn.expandDims(nn.squeeze(a), 0), () => [randn(3, 1, 2)]],
  ["broadcastTo", (a) => nn.broadcastTo(a, [2, 3, 4]), () => [randn(3, 1)]],
  ["slice", (a) => nn.slice(a, [1, 0], [2, -1]), () => [randn(4, 3)]],
  ["stridedSlice with steps", (a) => nn.stridedSlice(a, [1, undefined], [undefined, -1], [2, 2]), () => [randn(5, 6)]],
  ["select", (a) => nn.select(a, 1, -1), () => [randn(3, 4)]],
  ["concat", (a, b) => nn.concat([a, b, a], 1), () => [randn(2, 3), randn(2, 1)]],
  ["stack", (a, b) => nn.stack([a, b], -1), () => [randn(2, 3), randn(2, 3)]],
  ["split", (a) => nn.mul(nn.split(a, [1, 3], 1)[1], 2), () => [randn(2, 4)]],
  [
    "pad",
    (a) =>
      nn.pad(
        a,
        [
          [1, 0],
          [2, 3],
        ],
        0.5,
      ),
    () => [randn(2, 3)],
  ],
  [
    "gather with repeated indices",
    (a) => nn.gather(a, nn.tensor(new Int32Array([2, 0, 2, 1]), [2, 2]), 0),
    () => [randn(3, 4)],
  ],
  ["gather along axis 1", (a) => nn.gather(a, [3, 0], 1), () => [randn(2, 4, 3)]],
];

const linalg: Case[] = [
  ["matmul 2-D", (a, b) => nn.matmul(a, b), () => [randn(3, 4), randn(4, 2)]],
  ["matmul batched", (a, b) => nn.matmul(a, b), () => [randn(2, 3, 4), randn(2, 4, 5)]],
  ["matmul with a broadcast batch", (a, b) => nn.matmul(a, b), () => [randn(2, 1, 3, 4), randn(3, 4, 2)]],
  ["matmul with a shared right operand", (a, b) => nn.matmul(a, b), () => [randn(3, 2, 4), randn(4, 3)]],
  ["matmul of vectors", (a, b) => nn.matmul(a, b), () => [randn(4), randn(4, 3)]],
  ["matmul with transposeA", (a, b) => nn.matmul(a, b, { transposeA: true }), () => [randn(4, 3), randn(4, 2)]],
  ["matmul with transposeB", (a, b) => nn.matmul(a, b, { transposeB: true }), () => [randn(2, 3, 4), randn(5, 4)]],
  [
    "matmul with both transposed",
    (a, b) => nn.matmul(a, b, { transposeA: true, transposeB: true }),
    () => [randn(4, 3), randn(5, 4)],
  ],
];

const convolution: Case[] = [];
for (const strides of [1, 2] as const) {
  for (const padding of ["valid", "same"] as const) {
    for (const dilations of [1, 2] as const) {
      convolution.push([
        `conv2d strides ${strides} padding ${padding} dilations ${dilations}`,
        (x, f) => nn.conv2d(x, f, { strides, padding, dilations }),
        () => [randn(2, 6, 5, 2), randn(2, 3, 2, 3)],
      ]);
    }
  }
}
convolution.push(
  [
    "conv2d with explicit padding",
    (x, f) =>
      nn.conv2d(x, f, {
        padding: [
          [1, 0],
          [0, 2],
        ],
      }),
    () => [randn(1, 4, 4, 1), randn(2, 2, 1, 2)],
  ],
  [
    "conv2dTranspose stride 2 same",
    (x, f) => nn.conv2dTranspose(x, f, { strides: 2, padding: "same" }),
    () => [randn(1, 3, 3, 2), randn(3, 3, 1, 2)],
  ],
  [
    "conv2dTranspose stride 2 valid",
    (x, f) => nn.conv2dTranspose(x, f, { strides: 2 }),
    () => [randn(2, 2, 3, 1), randn(2, 3, 2, 1)],
  ],
  ["maxPool2d 2x2", (x) => nn.maxPool2d(x, 2), () => [randn(2, 4, 5, 2)]],
  [
    "maxPool2d 3x3 stride 1 same",
    (x) => nn.maxPool2d(x, 3, { strides: 1, padding: "same" }),
    () => [randn(1, 4, 4, 2)],
  ],
  ["avgPool2d 2x2", (x) => nn.avgPool2d(x, 2), () => [randn(2, 4, 4, 1)]],
  [
    "avgPool2d 3x3 stride 2 same",
    (x) => nn.avgPool2d(x, [3, 3], { strides: 2, padding: "same" }),
    () => [randn(1, 5, 4, 2)],
  ],
  ["upsample2d", (x) => nn.upsample2d(x, [2, 3]), () => [randn(1, 2, 2, 2)]],
  [
    "dropout (seeded mask)",
    (x) => {
      nn.seed(7);
      return nn.dropout(x, 0.5);
    },
    () => [randn(4, 5)],
  ],
);

describe("every gradient matches central finite differences in float64", () => {
  beforeEach(() => nn.seed(1234));
  for (const [group, cases] of [
    ["elementwise", elementwise],
    ["reductions", reductions],
    ["movement", movement],
    ["linear algebra", linalg],
    ["convolution and pooling", convolution],
  ] as const) {
    describe(group, () => {
      for (const [name, fn, inputs, options] of cases) {
        it(name, () => expectGradientsMatch(fn, inputs(), options));
      }
    });
  }
});
