/**
 * Symbolic tensors for the functional API: `keras.Input` makes one, calling a
 * layer on one makes another and records a `Node` (which layer turned which
 * inputs into it). A functional model is the graph of nodes between its inputs
 * and outputs. No data flows here; only shapes, so shape errors surface while
 * the model is being written, not when it first sees data.
 */
import { formatShape, type SymbolicShape } from "../utils/shape";
import type { Layer } from "./layer";

export class KerasTensor {
  constructor(
    readonly shape: SymbolicShape,
    /** The call that produced this tensor. */
    readonly node: Node,
    readonly name: string,
  ) {}

  toString(): string {
    return `<KerasTensor shape=${formatShape(this.shape)}, name=${this.name}>`;
  }
}

/** One call of a layer on symbolic inputs. */
export class Node {
  /** Set once the output KerasTensor exists (it refers back to this node). */
  output!: KerasTensor;

  constructor(
    readonly layer: Layer,
    readonly inputs: readonly KerasTensor[],
    /** Whether the layer was called with a list (Concatenate, Add) rather than one tensor. */
    readonly listInput: boolean,
  ) {}
}

/**
 * The nodes between `inputs` and `outputs`, each after the nodes that feed it.
 * Throws, naming the tensor, when an output depends on a tensor that is not
 * among the inputs (a graph that cannot be run from the given inputs).
 */
export function topologicalNodes(inputs: readonly KerasTensor[], outputs: readonly KerasTensor[]): Node[] {
  const inputSet = new Set(inputs);
  const order: Node[] = [];
  const done = new Set<Node>();
  const visiting = new Set<Node>();
  const visit = (t: KerasTensor): void => {
    if (inputSet.has(t)) return;
    const node = t.node;
    if (done.has(node)) return;
    if (node.inputs.length === 0) {
      throw new Error(
        `keras.Model: output depends on ${t.toString()}, which is not one of the model's inputs; ` +
          `pass every keras.Input the outputs are computed from in { inputs: [...] }`,
      );
    }
    if (visiting.has(node)) throw new Error(`keras.Model: the graph has a cycle through layer "${node.layer.name}"`);
    visiting.add(node);
    for (const i of node.inputs) visit(i);
    visiting.delete(node);
    done.add(node);
    order.push(node);
  };
  for (const o of outputs) visit(o);
  return order;
}
