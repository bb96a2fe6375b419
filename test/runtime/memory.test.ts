import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";

describe("memory", () => {
  afterEach(() => {
    delete process.env.NNLAB_MAX_TENSOR_BYTES;
  });

  it("dispose frees storage at once and later use names the problem", () => {
    const before = nn.memory();
    const x = nn.zeros([10, 10]);
    expect(nn.memory().bytes - before.bytes).toBe(400);
    expect(nn.memory().tensors - before.tensors).toBe(1);
    x.dispose();
    x.dispose();
    expect(nn.memory()).toEqual(before);
    expect(() => x.dataSync()).toThrow("dataSync: the tensor [10,10] float32 was disposed");
  });

  it("views share storage, which is freed with the last view", () => {
    const x = nn.zeros([4, 4]);
    const before = nn.memory();
    const v = x.reshape([16]);
    expect(nn.memory().storages).toBe(before.storages);
    x.dispose();
    expect(v.toArray()).toEqual(new Array(16).fill(0));
    v.dispose();
    expect(nn.memory().storages).toBe(before.storages - 1);
  });

  it("tidy disposes intermediates and keeps the result and nn.keep'd tensors", () => {
    const before = nn.memory();
    let kept = nn.zeros([1]);
    kept.dispose();
    const result = nn.tidy(() => {
      const a = nn.ones([100]);
      const b = nn.mul(a, 2);
      kept = nn.keep(nn.add(b, 1));
      return { total: nn.sum(b) };
    });
    expect(result.total.item()).toBe(200);
    expect(kept.isDisposed).toBe(false);
    expect(nn.memory().tensors - before.tensors).toBe(2);
  });

  it("tidy keeps what the returned tensor's graph needs, so backward works after it", () => {
    const w = nn.tensor([1, 2, 3], { requiresGrad: true });
    const loss = nn.tidy(() => nn.sum(nn.exp(nn.mul(w, 2))));
    loss.backward();
    const want = [1, 2, 3].map((v) => 2 * Math.exp(2 * v));
    (w.grad!.dataSync() as Float32Array).forEach((g, i) => expect(g).toBeCloseTo(want[i], 3));
  });

  it("gradients written during tidy survive it", () => {
    const w = nn.tensor([1, 2], { requiresGrad: true });
    nn.tidy(() => {
      nn.square(w).sum().backward();
    });
    expect(w.grad!.toArray()).toEqual([2, 4]);
  });

  it("tidy refuses an async function", () => {
    expect(() => nn.tidy(async () => nn.ones([1]))).toThrow("nn.tidy: the function returned a Promise");
  });

  it("a result over NNLAB_MAX_TENSOR_BYTES throws instead of allocating", () => {
    process.env.NNLAB_MAX_TENSOR_BYTES = String(1024);
    expect(() => nn.zeros([16, 17])).toThrow(
      "tensor: a result of shape [16,17] needs 1088 bytes, more than the limit NNLAB_MAX_TENSOR_BYTES = 1024 bytes",
    );
    const a = nn.ones([16, 1]);
    const b = nn.ones([1, 17]);
    expect(() => nn.add(a, b)).toThrow(/^add: a result of shape \[16,17\]/);
  });
});

describe("automatic release", () => {
  it("frees the storage of tensors the garbage collector finalizes", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const before = nn.memory();
    (() => {
      for (let i = 0; i < 50; i++) nn.ones([1000]);
    })();
    expect(nn.memory().tensors - before.tensors).toBe(50);
    for (let round = 0; round < 20 && nn.memory().tensors > before.tensors; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Earlier tests' garbage may be collected too, hence at most.
    expect(nn.memory().tensors).toBeLessThanOrEqual(before.tensors);
    expect(nn.memory().bytes).toBeLessThanOrEqual(before.bytes);
  });
});

describe("backward and memory", () => {
  it("frees intermediate gradients when backward returns, keeping only leaf gradients", () => {
    const w = nn.randn([8, 8], { requiresGrad: true });
    const x = nn.randn([4, 8]);
    const loss = nn.sum(nn.tanh(nn.matmul(x, w)));
    const before = nn.memory();
    loss.backward();
    expect(nn.memory().tensors - before.tensors).toBe(1);
    expect(nn.memory().bytes - before.bytes).toBe(8 * 8 * 4);
  });
});
