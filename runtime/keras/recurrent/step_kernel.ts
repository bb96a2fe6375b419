/**
 * What the cells' fused step kernels share: the pointwise activations they
 * know. The StepKernel interface itself belongs to the op that runs the
 * kernels, runtime/ops/scan.ts (recurrentScan).
 */

export type { StepKernel } from "../../ops/scan";

/** An activation with its derivative written in terms of its output y, for the activations the fused kernels know. */
export interface PointwiseActivation {
  f(x: number): number;
  dfFromOutput(y: number): number;
}

const pointwise: Record<string, PointwiseActivation> = {
  tanh: { f: Math.tanh, dfFromOutput: (y) => 1 - y * y },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), dfFromOutput: (y) => y * (1 - y) },
  relu: { f: (x) => (x > 0 ? x : 0), dfFromOutput: (y) => (y > 0 ? 1 : 0) },
  linear: { f: (x) => x, dfFromOutput: () => 1 },
};

/** The pointwise form of a named activation, or null when the fused kernels do not know it (the layer then composes ops). */
export function pointwiseActivation(name: string | null): PointwiseActivation | null {
  return name !== null && name in pointwise ? pointwise[name] : null;
}
