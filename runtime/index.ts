/**
 * nnlab's neural-network runtime: importable from plain Node
 * (`import { nn, keras, layers, viz } from "nnlab/runtime"`) and preloaded in
 * every notebook by the kernel.
 */
export * as display from "./display";
export { nn } from "./nn";
export { Tensor } from "./tensor";
export { loadMnist } from "./data/mnist";
export { keras, layers } from "./keras";
export * as viz from "./viz";
export { recoverAfterInterrupt } from "./interrupt";
