/**
 * The `nn` namespace: tensors, ops, autograd, memory and backend control,
 * and data loading, gathered in one object (what notebooks see as `nn`).
 */
import { currentBackend, listBackends, registerBackend, setBackend } from "./backend/registry";
import type { BackendInfo } from "./backend/backend";
import { graphTensors, isGradEnabled, noGrad } from "./autograd";
import { keep as keepOwner, memory, tidyScope } from "./memory";
import { grad, valueAndGrad } from "./nn_grad";
import { seed } from "./random";
import { Tensor } from "./tensor";
import type { Tensor as TensorClass } from "./tensor";
import * as creation from "./ops/creation";
import * as math from "./ops/math";
import * as activation from "./ops/activation";
import * as reduce from "./ops/reduce";
import * as shape from "./ops/shape";
import * as linalg from "./ops/linalg";
import * as conv from "./ops/conv";
import * as pool from "./ops/pool";
import { dropout } from "./ops/dropout";
import { readIdx } from "./data/idx";
// Backends register lazily-built factories; each loads its heavy parts (gpu.js, WebAssembly, workers) only when chosen.
import "./backend/wasm/register";
import "./backend/gpujs/register";
import { loadMnist } from "./data/mnist";
import { loadFashionMnist } from "./data/fashion_mnist";
import * as sequences from "./data/sequences";

/**
 * Runs `fn` and disposes every tensor it created, except the tensors in its
 * result, what their autograd graphs need, gradients stored in `.grad`, and
 * tensors passed to `nn.keep`. `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  return tidyScope(
    fn,
    (result) => graphTensors(tensorsIn(result)),
    (owner) => (owner as Tensor).dispose(),
  );
}

/** Exempts a tensor from disposal by enclosing `tidy` scopes. */
function keep(t: Tensor): Tensor {
  return keepOwner(t);
}

/** Disposes every tensor found in `value` (a tensor, or arrays and plain objects of them). */
function dispose(value: unknown): void {
  for (const t of tensorsIn(value)) t.dispose();
}

/** The backend that runs ops: its name, mode, threads and SIMD. */
function backend(): BackendInfo {
  return currentBackend().info();
}

export const nn = {
  Tensor,
  tensor: creation.tensor,
  zeros: creation.zeros,
  ones: creation.ones,
  full: creation.full,
  zerosLike: creation.zerosLike,
  onesLike: creation.onesLike,
  eye: creation.eye,
  arange: creation.arange,
  linspace: creation.linspace,
  randn: creation.randn,
  rand: creation.rand,
  randint: creation.randint,
  add: math.add,
  sub: math.sub,
  mul: math.mul,
  div: math.div,
  pow: math.pow,
  maximum: math.maximum,
  minimum: math.minimum,
  eq: math.eq,
  ne: math.ne,
  lt: math.lt,
  le: math.le,
  gt: math.gt,
  ge: math.ge,
  where: math.where,
  neg: math.neg,
  abs: math.abs,
  exp: math.exp,
  log: math.log,
  sqrt: math.sqrt,
  square: math.square,
  reciprocal: math.reciprocal,
  sin: math.sin,
  cos: math.cos,
  erf: math.erf,
  sign: math.sign,
  floor: math.floor,
  ceil: math.ceil,
  round: math.round,
  clip: math.clip,
  cast: math.cast,
  ...activation,
  ...reduce,
  ...shape,
  matmul: linalg.matmul,
  conv2d: conv.conv2d,
  conv2dTranspose: conv.conv2dTranspose,
  maxPool2d: pool.maxPool2d,
  avgPool2d: pool.avgPool2d,
  upsample2d: pool.upsample2d,
  dropout,
  seed,
  noGrad,
  isGradEnabled,
  grad,
  valueAndGrad,
  tidy,
  keep,
  dispose,
  memory,
  backend,
  setBackend,
  listBackends,
  registerBackend,
  loadMnist,
  data: { readIdx, loadMnist, loadFashionMnist, sequences },
};

/** `nn.Tensor` as a type too, as `torch.Tensor` is: `function f(x: nn.Tensor): nn.Tensor`. */
// eslint-disable-next-line @typescript-eslint/no-namespace -- the one way to give a value's name types too
export declare namespace nn {
  export type Tensor = TensorClass;
}

function* tensorsIn(value: unknown, seen = new Set<unknown>()): Generator<Tensor> {
  if (value instanceof Tensor) {
    yield value;
    return;
  }
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) yield* tensorsIn(item, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) yield* tensorsIn(item, seen);
  }
}
