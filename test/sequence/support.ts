/**
 * Test helpers for layers: gradient checks of a layer's output with respect
 * to its input and every weight, on top of test/runtime/gradcheck.ts.
 */
import type { Layer } from "../../runtime/keras/index";
import type { Weight } from "../../runtime/keras/engine/weight";
import type { Tensor } from "../../runtime/tensor";
import { expectGradientsMatch, type GradcheckOptions } from "../runtime/gradcheck";

/**
 * Checks d(run(inputs))/d(inputs and weights) against finite differences. The
 * layer must be built; during the check each weight reads the tensor the
 * gradient checker passes in its place.
 */
export function expectLayerGradientsMatch(
  layer: Layer,
  inputs: readonly Tensor[],
  run: (...inputs: Tensor[]) => Tensor,
  options: GradcheckOptions = {},
): void {
  const weights = layer.weights;
  const fn = (...args: Tensor[]) => {
    const restore = weights.map((w, i) => substitute(w, args[inputs.length + i]));
    try {
      return run(...args.slice(0, inputs.length));
    } finally {
      restore.forEach((r) => r());
    }
  };
  expectGradientsMatch(fn, [...inputs, ...weights.map((w) => w.value)], { atol: 1e-4, rtol: 1e-3, ...options });
}

/** Makes `w.value` return `t` until the returned function is called. */
function substitute(w: Weight, t: Tensor): () => void {
  Object.defineProperty(w, "value", { get: () => t, configurable: true });
  return () => delete (w as unknown as Record<string, unknown>).value;
}
