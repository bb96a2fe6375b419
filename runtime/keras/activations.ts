/**
 * Activation functions by Keras name ("relu", "leaky_relu", ...), accepted in
 * snake_case or camelCase, or as a function of a tensor.
 */
import type { Tensor } from "../tensor";
import * as act from "../ops/activation";
import { resolveIdentifier } from "./utils/identifiers";
import { rememberLogits } from "./cached_logits";

export type ActivationFn = (x: Tensor) => Tensor;
export type ActivationIdentifier = string | ActivationFn | null;

export const linear: ActivationFn = (x) => x;
export const relu: ActivationFn = (x) => act.relu(x);
/** Keeps its logits beside the output, for crossentropy losses (see cached_logits.ts). */
export const sigmoid: ActivationFn = (x) => rememberLogits(act.sigmoid(x), "sigmoid", x);
export const tanh: ActivationFn = (x) => act.tanh(x);
/** Keeps its logits beside the output, for crossentropy losses (see cached_logits.ts). */
export const softmax: ActivationFn = (x) => rememberLogits(act.softmax(x, -1), "softmax", x);
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
