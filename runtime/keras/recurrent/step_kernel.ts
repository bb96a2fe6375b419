/**
 * A cell's step written as plain loops over float64 arrays, forward and
 * backward side by side, for the fused scan (fused_scan.ts). The scan
 * computes the recurrent term rec = h_{t-1} · recurrentKernel (+ recurrent
 * bias) and hands each kernel one step of a batch.
 *
 * Arrays are row-major [batch, width]: xp and rec are [batch, gates * units],
 * states [batch, units].
 */

export interface StepKernel {
  /** Per-row floats the kernel saves in forward for its backward. */
  readonly cacheWidth: number;
  /** Writes the new states into `next` and what backward needs into `cache`. */
  forward(batch: number, xp: Float64Array, rec: Float64Array, prev: readonly Float64Array[], next: Float64Array[], cache: Float64Array): void;
  /**
   * From the gradients of the new states `dNext`, writes the gradients of xp
   * (`dxp`) and of rec (`drec`), and adds the direct gradients of the
   * previous states (those not through rec) into `dPrev`.
   */
  backward(
    batch: number,
    dNext: readonly Float64Array[],
    cache: Float64Array,
    prev: readonly Float64Array[],
    dxp: Float64Array,
    drec: Float64Array,
    dPrev: Float64Array[],
  ): void;
}

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
