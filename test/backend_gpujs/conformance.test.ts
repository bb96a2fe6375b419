import { GpuJsBackend } from "../../runtime/backend/gpujs/backend";
import { backendConformance } from "../runtime/backend_conformance";
import { CPU_MODES } from "./modes";

/**
 * Every primitive in every gpu.js mode this machine runs, against the float64
 * reference. Tolerance: gpu.js computes in float32 (relative rounding 6e-8
 * per operation), and transcendental functions on its WebAssembly target go
 * through float32 arguments and results, so elementwise results agree to
 * rtol 1e-4 with atol 1e-5 for values near zero (dot products of 64 terms
 * that cancel to near zero need that atol; ten times tighter fails there).
 * The suite loosens this tenfold for reductions and convolutions, whose
 * float32 sums of up to a few thousand terms (2,704 in the MNIST-sized
 * filter gradient) accumulate rounding in proportion to their length.
 */
for (const mode of CPU_MODES) {
  backendConformance(`gpujs (${mode} mode)`, () => new GpuJsBackend({ mode }), { atol: 1e-5, rtol: 1e-4 });
}
