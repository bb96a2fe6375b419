import { beforeAll } from "vitest";
import { WasmBackend } from "../../runtime/backend/wasm/backend";
import { backendConformance } from "../runtime/backend_conformance";
import { buildWasmKernels } from "./kernels_build";

beforeAll(buildWasmKernels);

// float32 storage and float32 accumulation (GEMM, convolutions, reductions)
// against the float64 reference: a few float32 ulps relative, plus an
// absolute floor for sums that cancel to near zero.
backendConformance("wasm (2 threads)", () => new WasmBackend(2), { atol: 1e-5, rtol: 1e-5 });
// The plain-SIMD fallback (engines without relaxed SIMD): the same tolerance.
backendConformance("wasm (2 threads, plain SIMD)", () => new WasmBackend(2, { simd: "plain" }), {
  atol: 1e-5,
  rtol: 1e-5,
});
