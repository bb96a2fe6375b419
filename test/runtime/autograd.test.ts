import { describe, expect, it, vi } from "vitest";
import { nn } from "../../runtime/nn";
import { FREED } from "../../runtime/autograd";
import { currentBackend } from "../../runtime/backend/registry";

describe("autograd", () => {
  it("fills .grad of leaves that require it, not of intermediates or constants", () => {
    const x = nn.tensor([1, 2, 3], { requiresGrad: true });
    const c = nn.tensor([4, 5, 6]);
    const h = nn.mul(x, c);
    h.sum().backward();
    expect(x.grad!.toArray()).toEqual([4, 5, 6]);
    expect(c.grad).toBeNull();
    expect(h.grad).toBeNull();
  });

  it("accumulates gradients over backward calls until zeroGrad", () => {
    const x = nn.tensor([2], { requiresGrad: true });
    nn.square(x).sum().backward();
    nn.square(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([8]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it("sums gradients of a tensor used along several paths", () => {
    const x = nn.tensor([3], { requiresGrad: true });
    const y = nn.add(nn.mul(x, x), x);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([7]);
  });

  it("gives each leaf its own gradient tensor, even when an op passes one gradient to both", () => {
    const a = nn.tensor([1], { requiresGrad: true });
    const b = nn.tensor([2], { requiresGrad: true });
    nn.add(a, b).sum().backward();
    a.grad!.dispose();
    expect(b.grad!.toArray()).toEqual([1]);
  });

  it("frees the tape after backward so nothing leaks into later cells", () => {
    const x = nn.tensor([1, 2], { requiresGrad: true });
    const h = nn.exp(x);
    const loss = h.sum();
    expect(loss.node).not.toBeNull();
    loss.backward();
    expect(loss.node).toBe(FREED);
    expect(h.node).toBe(FREED);
    expect(x.node).toBeNull();
    expect(() => loss.backward()).toThrow(/freed by an earlier backward\(\).*retainGraph/);
  });

  it("keeps the graph with retainGraph so backward can run twice", () => {
    const x = nn.tensor([1, 2], { requiresGrad: true });
    const loss = nn.square(x).sum();
    loss.backward(undefined, { retainGraph: true });
    loss.backward();
    expect(x.grad!.toArray()).toEqual([4, 8]);
  });

  it("records nothing inside noGrad and through detach", () => {
    const x = nn.tensor([1], { requiresGrad: true });
    const y = nn.noGrad(() => nn.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(nn.isGradEnabled()).toBe(true);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(nn.mul(d, 2).requiresGrad).toBe(false);
  });

  it("backward of a non-scalar needs an explicit gradient of the same shape", () => {
    const x = nn.tensor([1, 2], { requiresGrad: true });
    const y = nn.mul(x, 3);
    expect(() => y.backward()).toThrow(
      "backward: the tensor is [2] with 2 elements; backward() without a gradient needs a single-element tensor (reduce it with .sum() or .mean())",
    );
    y.backward(nn.tensor([1, 10]));
    expect(x.grad!.toArray()).toEqual([3, 30]);
  });

  it("runs backward through a 20000-step chain without overflowing the stack", () => {
    const x = nn.tensor([1], { requiresGrad: true });
    let h = x;
    for (let i = 0; i < 20000; i++) h = nn.add(h, 0);
    h.sum().backward();
    expect(x.grad!.toArray()).toEqual([1]);
  });

  it("assign replaces values in place and keeps identity, requiresGrad and grad", () => {
    const w = nn.tensor([1, 2], { requiresGrad: true });
    nn.square(w).sum().backward();
    const grad = w.grad;
    nn.noGrad(() => w.assign(nn.sub(w, nn.mul(w.grad!, 0.5))));
    expect(w.toArray()).toEqual([0, 0]);
    expect(w.requiresGrad).toBe(true);
    expect(w.grad).toBe(grad);
  });
});

describe("gradients nobody needs are not computed", () => {
  it("matmul and the binary ops compute only the gradients of inputs that require them, with the same values", () => {
    const x = nn.randn([5, 3]);
    const w = nn.randn([3, 4], { requiresGrad: true });
    const bias = nn.randn([4], { requiresGrad: true });
    const scale = nn.randn([5, 4]);
    const backend = currentBackend();
    const products = vi.spyOn(backend, "matmul");
    const ops = vi.spyOn(backend, "binary");
    nn.matmul(x, w).add(bias).mul(scale).div(scale.add(3)).sum().backward();
    // Forward: one product; backward: dW only (no dX = dY Wᵀ).
    expect(products).toHaveBeenCalledTimes(2);
    // Forward add, add (scale + 3), mul, div; backward: mul's and div's gradient for their left input
    // (dy * scale, dy / (scale + 3)) and none for `scale`'s side.
    expect(ops.mock.calls.map((c) => c[0])).toEqual(["add", "mul", "add", "div", "div", "mul"]);
    products.mockRestore();
    ops.mockRestore();
    // The same gradients as when every input requires one.
    const grads = [w.grad!.toArray(), bias.grad!.toArray()];
    w.zeroGrad();
    bias.zeroGrad();
    const xg = nn.tensor(x.dataSync(), x.shape, { requiresGrad: true });
    const sg = nn.tensor(scale.dataSync(), scale.shape, { requiresGrad: true });
    nn.matmul(xg, w).add(bias).mul(sg).div(sg.add(3)).sum().backward();
    expect([w.grad!.toArray(), bias.grad!.toArray()]).toEqual(grads);
    expect(xg.grad).not.toBeNull();
    expect(sg.grad).not.toBeNull();
  });
});
