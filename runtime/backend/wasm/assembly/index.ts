// Entry of the nnlab wasm kernels module: everything exported here is callable from JS.
export { gemm, gemmTasks, gemmScratchFloats, scaleMatrix } from "./gemm";
export { conv2dForward, conv2dBackpropFilter, conv2dBackpropInput, convChunkRows } from "./conv";
export { maxPool2dForward, avgPool2dForward, maxPool2dBackward, avgPool2dBackward } from "./pool";
export * from "./elementwise";
export * from "./reduce";
export { adamStep, dropoutMask, biasRelu, reluBackward } from "./fused";
export { recurrentForward, recurrentBackward, recurrentSavedWidth } from "./recurrent";
export { stridedCopy, stridedPlace, fillF32, gatherRows, scatterAddRows } from "./movement";
export { layerNormForward, layerNormBackward, softmaxBackward } from "./norm";
export { winogradFilter, winogradForward, winogradScratchFloats, winogradBackpropFilter, winogradFilterGradient } from "./winograd";
