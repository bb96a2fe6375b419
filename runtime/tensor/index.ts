/**
 * The Tensor with its methods: the class (./core, below the ops) and the op
 * methods merged into it (./methods, above the ops). Code above the ops imports
 * from here; the ops and autograd import ./core.
 */
import "./methods";

export * from "./core";
