/**
 * Reverse-mode autograd, micrograd style. An op that computes `out` from
 * inputs calls `record(...)` with a closure that maps the gradient of `out`
 * to the gradients of its inputs; `backward()` sorts the recorded graph
 * topologically and makes one reverse pass, accumulating into `.grad` of
 * leaf tensors that require it. The graph is freed after the pass unless
 * `retainGraph` is set, so no tape survives from one notebook cell to the next.
 */
import type { GradNode, Tensor } from "./tensor/core";

/** Marks a tensor whose graph an earlier backward() freed. */
export const FREED: GradNode = {
  op: "freed",
  inputs: [],
  saved: [],
  backward() {
    throw new Error("unreachable: a freed graph node was run");
  },
};

let gradEnabled = true;

/** Whether ops record the graph now (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Records gradients again after code that was stopped inside `noGrad` (its `finally` never ran). */
export function resetGradMode(): void {
  gradEnabled = true;
}

/** Runs `fn` without recording gradients (as PyTorch's `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Records that `out` was computed from `inputs` by `op`, when gradients are
 * on and some input requires them. Returns `out`.
 */
export function record(
  op: string,
  out: Tensor,
  inputs: readonly Tensor[],
  backward: (dy: Tensor) => readonly (Tensor | null)[],
  saved: readonly Tensor[] = [],
): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return out;
  out.requiresGrad = true;
  out.node = { op, inputs, saved, backward };
  return out;
}

/** Options of `Tensor.backward`. */
export interface BackwardOptions {
  /** Keep the graph so backward() can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
}

/**
 * The reverse pass from `root` with initial gradient `seed` (same shape as
 * root). `accumulate(leaf, grad)` stores a leaf's gradient; `add` sums two
 * gradients. Runs without recording a graph.
 */
export function reversePass(
  root: Tensor,
  seed: Tensor,
  options: BackwardOptions,
  accumulate: (leaf: Tensor, grad: Tensor) => void,
  add: (a: Tensor, b: Tensor) => Tensor,
): void {
  if (root.node === FREED) {
    throw new Error(
      "backward: the graph of this tensor was freed by an earlier backward(); " +
        "pass { retainGraph: true } to the first backward() to run it twice",
    );
  }
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      grads.delete(t);
      if (!g) continue;
      const node = t.node;
      if (node === null) {
        if (t.requiresGrad) accumulate(t, g);
        continue;
      }
      if (t.retainsGrad) accumulate(t, g);
      const inputGrads = node.backward(g);
      node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) return;
        const previous = grads.get(input);
        grads.set(input, previous ? add(previous, gi) : gi);
      });
    }
  });
  if (!options.retainGraph) {
    for (const t of order) if (t.node !== null) t.node = FREED;
  }
}

/** Tensors reachable from root through recorded nodes, inputs before the ops that use them. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative depth-first search: an RNN unrolled over many steps would overflow the call stack.
  const stack: { t: Tensor; expanded: boolean }[] = [{ t: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (top.expanded) {
      order.push(top.t);
      continue;
    }
    if (visited.has(top.t)) continue;
    visited.add(top.t);
    stack.push({ t: top.t, expanded: true });
    const node = top.t.node;
    if (node === FREED) {
      throw new Error(
        `backward: part of this graph (an output of ${top.t.shapeString()}) was freed by an earlier backward(); ` +
          "pass { retainGraph: true } to the first backward() to reuse it",
      );
    }
    if (node) for (const input of node.inputs) if (!visited.has(input)) stack.push({ t: input, expanded: false });
  }
  return order;
}

/** Every tensor the graph of `roots` needs for a later backward(): its nodes' inputs and saved tensors. */
export function graphTensors(roots: Iterable<Tensor>): Set<Tensor> {
  const seen = new Set<Tensor>();
  const stack = [...roots];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const node = t.node;
    if (node) stack.push(...node.inputs, ...node.saved);
  }
  return seen;
}
