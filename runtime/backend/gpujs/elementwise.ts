/**
 * Elementwise kernels: unary maps, binary ops and `where` with NumPy
 * broadcasting, and dtype casts. Broadcasting is resolved at generation time:
 * each input gets its own index expression over the output's coordinates,
 * with zero strides left out, so a scalar operand compiles to `b[0]`.
 */
import { broadcastStrides, sizeOf, type BinaryOp, type Shape, type UnaryOp } from "../backend";
import { floatLiteral, kernel, offsetOf, unravel, type KernelSpec } from "./source";

/** `size` elements of `x` mapped by `op` (`alpha` is used by leakyRelu and elu). */
export function unarySpec(op: UnaryOp, size: number, alpha: number): KernelSpec {
  const expression = UNARY[op].replace(/alpha/g, floatLiteral(alpha));
  return {
    source: kernel(["x"], ["const v = x[this.thread.x];", `return ${expression};`]),
    outSize: size,
    indexBound: 0,
  };
}

/** out = op(a, b) broadcast to `outShape`. */
export function binarySpec(op: BinaryOp, aShape: Shape, bShape: Shape, outShape: Shape): KernelSpec {
  const reads = [readIndex(aShape, outShape), readIndex(bShape, outShape)];
  const body = [
    ...coordinatesFor(reads, outShape),
    `const u = a[${reads[0]}];`,
    `const w = b[${reads[1]}];`,
    `return ${BINARY[op]};`,
  ];
  return {
    source: kernel(["a", "b"], body),
    outSize: sizeOf(outShape),
    indexBound: reads.every(isDirect) ? 0 : undefined,
  };
}

/** out = cond != 0 ? a : b, all three broadcast to `outShape`. */
export function whereSpec(condShape: Shape, aShape: Shape, bShape: Shape, outShape: Shape): KernelSpec {
  const reads = [readIndex(condShape, outShape), readIndex(aShape, outShape), readIndex(bShape, outShape)];
  const body = [
    ...coordinatesFor(reads, outShape),
    `if (cond[${reads[0]}] !== 0) {`,
    `  return a[${reads[1]}];`,
    `}`,
    `return b[${reads[2]}];`,
  ];
  return {
    source: kernel(["cond", "a", "b"], body),
    outSize: sizeOf(outShape),
    indexBound: reads.every(isDirect) ? 0 : undefined,
  };
}

/**
 * float32 -> int32 truncates toward zero with NaN giving 0; any other cast is
 * a copy (int32 data is held as float32 on every gpu.js target, so integers
 * are exact up to 2^24 in magnitude).
 */
export function castSpec(size: number, toInt: boolean): KernelSpec {
  const body = toInt
    ? ["const v = x[this.thread.x];", "if (v !== v) {", "  return 0;", "}", "return Math.trunc(v);"]
    : ["return x[this.thread.x];"];
  return { source: kernel(["x"], body), outSize: size, indexBound: 0 };
}

/** Output coordinates, when some read needs them (a broadcast operand). */
function coordinatesFor(reads: readonly string[], outShape: Shape): string[] {
  return reads.every(isDirect) ? [] : unravel("this.thread.x", outShape, "o");
}

function isDirect(index: string): boolean {
  return index === "this.thread.x" || /^\d+$/.test(index);
}

/** Index into an input of `shape` broadcast to `outShape`, over output coordinates `o*`. */
function readIndex(shape: Shape, outShape: Shape): string {
  if (sizeOf(shape) === sizeOf(outShape) && shape.length === outShape.length) return "this.thread.x";
  return offsetOf("o", broadcastStrides(shape, outShape));
}

/** Each unary op as an expression of `v` (and `alpha`). */
const UNARY: Record<UnaryOp, string> = {
  neg: "-v",
  abs: "Math.abs(v)",
  exp: "Math.exp(v)",
  log: "Math.log(v)",
  sqrt: "Math.sqrt(v)",
  square: "v * v",
  reciprocal: "1.0 / v",
  // GLSL's sign(NaN) is 0; the reference keeps NaN.
  sign: "v !== v ? v : Math.sign(v)",
  // Past |v| = 15, tanh is ±1 in float32; GL computes it from exponentials that overflow to NaN there.
  tanh: "Math.abs(v) > 15.0 ? Math.sign(v) : Math.tanh(v)",
  // Two branches so that neither exponential overflows.
  sigmoid: "v >= 0 ? 1.0 / (1.0 + Math.exp(-v)) : Math.exp(v) / (1.0 + Math.exp(v))",
  relu: "v !== v ? v : Math.max(v, 0.0)",
  leakyRelu: "v >= 0 ? v : alpha * v",
  elu: "v > 0 ? v : alpha * Math.expm1(v)",
  erf: erfExpression(),
  softplus: "Math.max(v, 0.0) + Math.log1p(Math.exp(-Math.abs(v)))",
  sin: "Math.sin(v)",
  cos: "Math.cos(v)",
  floor: "Math.floor(v)",
  ceil: "Math.ceil(v)",
  round: "Math.sign(v) * Math.floor(Math.abs(v) + 0.5)",
};

/**
 * erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7, under
 * float32's resolution near 1): erf(|v|) = 1 - poly(t) e^(-v^2), t = 1/(1 + p|v|).
 */
function erfExpression(): string {
  const t = "(1.0 / (1.0 + 0.3275911 * Math.abs(v)))";
  const poly = `((((1.061405429 * ${t} - 1.453152027) * ${t} + 1.421413741) * ${t} - 0.284496736) * ${t} + 0.254829592) * ${t}`;
  return `Math.sign(v) * (1.0 - ${poly} * Math.exp(-v * v))`;
}

/** Each binary op as an expression of `u` (from a) and `w` (from b). NaN checks are explicit: GL's max/min do not propagate it. */
const BINARY: Record<BinaryOp, string> = {
  add: "u + w",
  sub: "u - w",
  mul: "u * w",
  div: "u / w",
  // GLSL's pow is undefined for a NaN or negative base: NaN is passed on, and for a negative base an
  // integral exponent takes the sign from its parity (as Math.pow does).
  pow:
    "w === 0 ? 1.0 : (u !== u || w !== w ? u + w : (u < 0 && Math.floor(w) === w ? " +
    "(w - 2.0 * Math.floor(w / 2.0) === 0 ? 1.0 : -1.0) * Math.pow(-u, w) : Math.pow(u, w)))",
  maximum: "u !== u || w !== w ? u + w : Math.max(u, w)",
  minimum: "u !== u || w !== w ? u + w : Math.min(u, w)",
  eq: "u === w ? 1 : 0",
  ne: "u !== w ? 1 : 0",
  lt: "u < w ? 1 : 0",
  le: "u <= w ? 1 : 0",
  gt: "u > w ? 1 : 0",
  ge: "u >= w ? 1 : 0",
};
