/**
 * Gradients of a loss with respect to chosen tensors only, for custom
 * training steps (a GAN's generator and discriminator steps):
 *
 *   const [loss, grads] = nn.valueAndGrad(() => lossOf(D(G(z))), G.trainableWeights);
 *   gOptimizer.minimize(() => lossOf(D(G(z))), G.trainableWeights);
 *
 * Unlike loss.backward(), nothing is written into `.grad`: other tensors
 * (the frozen model's weights) keep theirs, and the chosen ones get theirs
 * only through the returned list. The chosen tensors take part even when
 * their layer is frozen.
 */
import { reversePass } from "./autograd";
import { onesLike, zeros } from "./ops/creation";
import { Tensor } from "./tensor";

/** A tensor, or anything holding one as `.value` (a layer Weight). */
export type Differentiable = Tensor | { readonly value: Tensor };

/** The gradient of `lossFn()` (a one-element tensor) with respect to each of `targets`, in order; zeros for a target the loss does not depend on. */
export function grad(lossFn: () => Tensor, targets: readonly Differentiable[]): Tensor[] {
  return valueAndGrad(lossFn, targets)[1];
}

/** [the loss value, its gradients with respect to `targets`]. */
export function valueAndGrad(lossFn: () => Tensor, targets: readonly Differentiable[]): [number, Tensor[]] {
  const tensors = targets.map(tensorOf);
  const previous = tensors.map((t) => t.requiresGrad);
  for (const t of tensors) t.requiresGrad = true;
  try {
    const loss = lossFn();
    if (loss.size !== 1)
      throw new Error(
        `nn.grad: the loss function must return one value (reduce it with .mean() or .sum()), got ${loss.shapeString()}`,
      );
    const found = new Map<Tensor, Tensor>();
    if (loss.requiresGrad) {
      const wanted = new Set(tensors);
      reversePass(
        loss,
        onesLike(loss),
        {},
        (leaf, g) => {
          if (!wanted.has(leaf)) return;
          const before = found.get(leaf);
          found.set(leaf, before ? before.add(g) : g.view(leaf.shape));
        },
        (a, b) => a.add(b),
      );
    }
    return [loss.item(), tensors.map((t) => found.get(t) ?? zeros(t.shape))];
  } finally {
    tensors.forEach((t, i) => (t.requiresGrad = previous[i]));
  }
}

/** The tensor a target stands for (a Weight's current value). */
export function tensorOf(d: Differentiable): Tensor {
  return d instanceof Tensor ? d : d.value;
}
