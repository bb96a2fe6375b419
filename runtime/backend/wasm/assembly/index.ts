// Entry of the nnlab wasm kernels module: everything exported here is callable from JS.
export { gemm, gemmScratchFloats, scaleMatrix } from "./gemm";
