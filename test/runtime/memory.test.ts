import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ReferenceBackend } from "../../runtime/backend/reference";
import { recoverAfterInterrupt } from "../../runtime/interrupt";
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

  it("assign holds the new values even when releasing the old storage is cut short (as by an interrupt)", () => {
    const w = nn.tensor([1, 2, 3]);
    const backend = w.storage.backend;
    // eslint-disable-next-line @typescript-eslint/unbound-method -- only put back below, never called detached
    const dispose = backend.dispose;
    backend.dispose = () => {
      throw new Error("stopped while freeing");
    };
    try {
      expect(() => w.assign(nn.tensor([4, 5, 6]))).toThrow("stopped while freeing");
    } finally {
      backend.dispose = dispose;
    }
    expect(Array.from(w.dataSync())).toEqual([4, 5, 6]);
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
    // eslint-disable-next-line @typescript-eslint/require-await -- an async function is what tidy must refuse
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
    const gc = exposedGc();
    const before = nn.memory();
    (() => {
      for (let i = 0; i < 50; i++) nn.ones([1000]);
    })();
    expect(nn.memory().tensors - before.tensors).toBe(50);
    await collectGarbage(gc, () => nn.memory().tensors <= before.tensors);
    // Earlier tests' garbage may be collected too, hence at most.
    expect(nn.memory().tensors).toBeLessThanOrEqual(before.tensors);
    expect(nn.memory().bytes).toBeLessThanOrEqual(before.bytes);
  });

  // Tensors made inside a tidy scope are registered with the finalizer only when they outlive it.
  it("frees tensors that outlived tidy scopes (returned, nested, kept) once they are unreachable", async () => {
    const before = nn.memory().tensors;
    (() => {
      for (let i = 0; i < 10; i++) nn.tidy(() => nn.tidy(() => nn.ones([1000]).add(1)));
      for (let i = 0; i < 10; i++) nn.tidy(() => void nn.keep(nn.ones([1000])));
    })();
    expect(nn.memory().tensors - before).toBe(20);
    await collectGarbage(exposedGc(), () => nn.memory().tensors <= before);
    expect(nn.memory().tensors).toBeLessThanOrEqual(before);
  });

  it("frees what a tidy scope made before its function threw, once unreachable", async () => {
    const before = nn.memory().tensors;
    (() => {
      for (let i = 0; i < 10; i++) {
        expect(() =>
          nn.tidy(() => {
            nn.ones([1000]);
            throw new Error("boom");
          }),
        ).toThrow("boom");
      }
    })();
    expect(nn.memory().tensors - before).toBe(10);
    await collectGarbage(exposedGc(), () => nn.memory().tensors <= before);
    expect(nn.memory().tensors).toBeLessThanOrEqual(before);
  });

  it("frees what abandoned tidy scopes made (code stopped inside tidy by an interrupt)", async () => {
    const before = nn.memory().tensors;
    // An interrupt stops code without running tidy's exit; the host then calls recoverAfterInterrupt.
    const stoppedInside = (): void => {
      nn.tidy(() => {
        nn.ones([1000]);
        nn.tidy(() => {
          nn.ones([1000]);
          recoverAfterInterrupt();
          throw new InterruptedHere();
        });
      });
    };
    expect(stoppedInside).toThrow(InterruptedHere);
    expect(nn.memory().tensors - before).toBe(2);
    // Later tensors join no leftover scope: made outside tidy, they are registered at once.
    (() => void nn.ones([1000]))();
    await collectGarbage(exposedGc(), () => nn.memory().tensors <= before);
    expect(nn.memory().tensors).toBeLessThanOrEqual(before);
  });
});

class InterruptedHere extends Error {}

describe("automatic release after the storage was replaced", () => {
  // Backends that count how often each of their handles is disposed: a double release would otherwise
  // go unnoticed by nn.memory()'s counters (the second release of one storage offsets the missing release of another).
  const first = countingBackend("counting-first");
  const second = countingBackend("counting-second");
  let home = "";
  beforeEach(() => {
    home = nn.backend().name;
    nn.setBackend("counting-first");
  });
  afterEach(() => {
    nn.setBackend(home);
  });

  it("a tensor collected after assign releases the storage it holds then, and each storage exactly once", async () => {
    const handles = (() => {
      const x = nn.zeros([4]);
      const value = nn.ones([4]);
      const created = [x.storage.handle, value.storage.handle];
      x.assign(value);
      return created;
    })();
    await collectGarbage(exposedGc(), () => handles.every((h) => first.disposals.has(h)));
    expect(handles.map((h) => first.disposals.get(h))).toEqual([1, 1]);
  });

  it("a tensor collected after moving to another backend releases the moved storage, and each storage exactly once", async () => {
    const [original, moved] = (() => {
      const x = nn.ones([4]);
      const before = x.storage.handle;
      nn.setBackend("counting-second");
      expect(nn.add(x, 1).toArray()).toEqual([2, 2, 2, 2]);
      return [before, x.storage.handle];
    })();
    await collectGarbage(exposedGc(), () => second.disposals.has(moved));
    expect(first.disposals.get(original)).toBe(1);
    expect(second.disposals.get(moved)).toBe(1);
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

function exposedGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** Collects and lets finalizers run, until `done` holds (or 20 rounds when there is no condition). */
async function collectGarbage(gc: () => void, done: () => boolean = () => false): Promise<void> {
  for (let round = 0; round < 20 && !done(); round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

class CountingBackend extends ReferenceBackend {
  readonly disposals = new Map<object, number>();

  override dispose(handle?: object): void {
    if (handle) this.disposals.set(handle, (this.disposals.get(handle) ?? 0) + 1);
  }
}

function countingBackend(name: string): CountingBackend {
  const backend = new CountingBackend();
  nn.registerBackend({ name, priority: -1, create: () => backend });
  return backend;
}
