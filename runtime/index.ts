/**
 * nnlab's neural-network runtime: importable from plain Node
 * (`import { nn, keras, layers, viz } from "nnlab/runtime"`) and preloaded in
 * every notebook by the kernel.
 */
export * as display from "./display";
export { nn } from "./nn";
export { Tensor } from "./tensor";
export { loadMnist } from "./data/mnist";
export { loadFashionMnist, FASHION_MNIST_CLASS_NAMES } from "./data/fashion_mnist";
export { keras, layers } from "./keras";
/** For typing a model with several outputs, e.g. `keras.models.loadModel<KerasTensor[]>(path)`. */
export type { KerasTensor } from "./keras";
export * as viz from "./viz";
export * as widgets from "./widgets";
export { recoverAfterInterrupt } from "./interrupt";
