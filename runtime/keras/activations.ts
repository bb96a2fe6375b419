/**
 * Activation functions by Keras name ("relu", "leaky_relu", ...), accepted in
 * snake_case or camelCase, or as a function of a tensor.
 */
import type { Tensor } from "../tensor";
import * as act from "../ops/activation";
import { resolveIdentifier } from "./utils/identifiers";

export type ActivationFn = (x: Tensor) => Tensor;
export type ActivationIdentifier = string | ActivationFn | null;

export const linear: ActivationFn = (x) => x;
export const relu: ActivationFn = (x) => act.relu(x);
export const sigmoid: ActivationFn = (x) => act.sigmoid(x);
export const tanh: ActivationFn = (x) => act.tanh(x);
export const softmax: ActivationFn = (x) => act.softmax(x, -1);
/** Keras's activation function uses slope 0.2 (the LeakyReLU layer's default is 0.3). */
export const leakyRelu: ActivationFn = (x) => act.leakyRelu(x, 0.2);
export const elu: ActivationFn = (x) => act.elu(x, 1);
export const gelu: ActivationFn = (x) => act.gelu(x);
export const softplus: ActivationFn = (x) => act.softplus(x);
export const swish: ActivationFn = (x) => x.mul(act.sigmoid(x));

const byName: Record<string, ActivationFn> = {
  linear,
  relu,
  sigmoid,
  tanh,
  softmax,
  leaky_relu: leakyRelu,
  elu,
  gelu,
  softplus,
  swish,
  silu: swish,
};

export interface ResolvedActivation {
  fn: ActivationFn;
  /** The name saved in the model config; null for a user function (which cannot be saved). */
  name: string | null;
}

export function getActivation(id: ActivationIdentifier | undefined): ResolvedActivation {
  if (id === null || id === undefined) return { fn: linear, name: "linear" };
  if (typeof id === "function") {
    const known = Object.entries(byName).find(([, f]) => f === id);
    return { fn: id, name: known ? known[0] : null };
  }
  const fn = resolveIdentifier("activation", id, byName);
  return { fn, name: Object.entries(byName).find(([, f]) => f === fn)![0] };
}
