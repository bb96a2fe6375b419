/**
 * Saving and restoring layer options: initializers and regularizers are
 * stored as { className, config } and rebuilt from it; activations by name.
 */
import {
  deserializeInitializer,
  getInitializer,
  serializeInitializer,
  type Initializer,
  type InitializerIdentifier,
} from "../initializers";
import { deserializeRegularizer, getRegularizer, type RegularizerIdentifier } from "../regularizers";
import type { ResolvedActivation } from "../activations";
import type { LayerConfig } from "../engine/layer";
import type { Weight } from "../engine/weight";

type Spec = { className: string; config: Record<string, unknown> };

export function initializerOption(id: InitializerIdentifier | undefined, fallback: string): Initializer {
  return getInitializer(id ?? fallback);
}

export function regularizerConfig(id: RegularizerIdentifier | null | undefined): Spec | null {
  const r = getRegularizer(id);
  return r ? { className: r.className, config: r.getConfig() } : null;
}

/** The activation's name for the config, or an error naming the layer when it is a function that cannot be saved. */
export function activationConfig(layer: { activation: ResolvedActivation; describe(): string }): string {
  if (layer.activation.name === null) {
    throw new Error(
      `${layer.describe()}: its activation is a custom function, which cannot be saved as JSON; save the weights with saveWeights() instead, or use a named activation`,
    );
  }
  return layer.activation.name;
}

/** A saved config turned back into constructor options: "...Initializer" and "...Regularizer" specs become objects. */
export function fromConfigOptions<T>(config: LayerConfig): T {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith("Initializer") && value && typeof value === "object")
      options[key] = deserializeInitializer(value as Spec);
    else if (key.endsWith("Regularizer")) options[key] = deserializeRegularizer(value as Spec | null);
    else if (value !== null) options[key] = value;
  }
  return options as T;
}

/** The options of layers with a kernel and an optional bias (Dense, Conv2D). */
export interface KernelBiasOptions {
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
}

/** Adds "kernel" (glorot_uniform) and, when `useBias`, "bias" (zeros) of `units` values, as Keras's defaults. */
export function addKernelAndBias(
  layer: {
    addWeight(
      name: string,
      shape: readonly number[],
      o: { initializer?: InitializerIdentifier; regularizer?: RegularizerIdentifier | null },
    ): Weight;
  },
  kernelShape: readonly number[],
  units: number,
  useBias: boolean,
  options: KernelBiasOptions,
): [Weight, Weight | null] {
  const kernel = layer.addWeight("kernel", kernelShape, {
    initializer: options.kernelInitializer ?? "glorot_uniform",
    regularizer: options.kernelRegularizer,
  });
  const bias = useBias
    ? layer.addWeight("bias", [units], {
        initializer: options.biasInitializer ?? "zeros",
        regularizer: options.biasRegularizer,
      })
    : null;
  return [kernel, bias];
}

export function kernelBiasConfig(options: KernelBiasOptions): LayerConfig {
  return {
    kernelInitializer: serializeInitializer(initializerOption(options.kernelInitializer, "glorot_uniform")),
    biasInitializer: serializeInitializer(initializerOption(options.biasInitializer, "zeros")),
    kernelRegularizer: regularizerConfig(options.kernelRegularizer),
    biasRegularizer: regularizerConfig(options.biasRegularizer),
  };
}

/**
 * Keras's optional positional second argument: `f(a, b, options)` or
 * `f(a, options)`; a number or array second argument is option `key`.
 */
export function positionalSecond<O extends object, V extends number | readonly unknown[] = number | readonly number[]>(
  second: V | O | undefined,
  options: O,
  key: string,
): O {
  if (second === undefined) return options;
  if (typeof second === "number" || Array.isArray(second)) return { ...options, [key]: second };
  return second as O;
}
