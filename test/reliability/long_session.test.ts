/**
 * A long notebook session through the real kernel: 2,000 cells that each create tensors, run backward,
 * build a small model, predict (and every twentieth cell trains it), then drop everything. Resident memory,
 * the runtime's own accounting (nn.memory()), the autograd graphs and the backend's storage must all stay
 * bounded. NNLAB_SESSION_CELLS changes the length.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemoryInfo } from "../../runtime/memory";
import { KernelClient } from "../kernel/client";
import { DEFINE_SETTLE, residentBytes, run, valueOf } from "./kernel_probe";

const CELLS = Number(process.env.NNLAB_SESSION_CELLS ?? 2000);
/** Cells run before the baseline is taken: compiler caches, kernel caches and the heap have warmed up by then. */
const WARM_UP = Math.round(CELLS / 10);
/**
 * Resident memory may grow this much between the baseline and the last cell of a 2,000-cell session. Measured
 * on the 2-core machine: 24.8 MiB, about 14 KiB a cell: the kernel's per-cell records (the cell's source for
 * history and tracebacks, its source map as text, its compiled script), and allocator slack. Two causes of
 * the 150 KiB a cell measured before are gone: V8 optimizing TypeScript's `createTypeChecker` after ~550
 * cells (~120 MiB of compiler memory kept by the C allocator; kernel/main.ts) and a parsed source map kept per
 * cell (kernel/execution/typescript/traceback.ts). This bound, about three times the measured growth, catches
 * the first coming back; the JavaScript heap's bound below catches the second.
 */
const RSS_GROWTH_BOUND = (CELLS - WARM_UP) * 48 * 1024;
/** The JavaScript heap after a full collection grows by the kernel's per-cell records (measured 5.3 KiB a cell). */
const JS_HEAP_GROWTH_BOUND = (CELLS - WARM_UP) * 16 * 1024;
/**
 * The wasm heap is a high-water mark of storage alive at once, and tensors a cell dropped stay alive until
 * the collector finalizes them, which happens at moments no test controls: it may rise a little, never a lot.
 */
const HEAP_GROWTH_BOUND = 8 * 2 ** 20;

function cell(i: number): string {
  return `latest = nn.ones([64]);
{
  const x = nn.randn([16, 8]);
  const w = nn.randn([8, 4], { requiresGrad: true });
  const loss = nn.sum(nn.square(nn.matmul(x, w)));
  loss.backward();
  const model = keras.Sequential([keras.Input({ shape: [8] }), layers.Dense(4, { activation: "relu" }), layers.Dense(2)]);
  const y = model.predict(x, { verbose: 0 });
  if (!Number.isFinite(y.dataSync()[0]) || !Number.isFinite(w.grad!.dataSync()[0])) throw new Error("non-finite result in cell ${i}");
  if (${i} % 20 === 0) {
    model.compile({ loss: "mse", optimizer: "sgd" });
    await model.fit(x, nn.zeros([16, 2]), { epochs: 1, batchSize: 8, verbose: 0 });
  }
  if (${i} % 100 === 0) probes.push(new WeakRef(loss), new WeakRef(model));
}`;
}

interface Snapshot {
  rss: number;
  jsHeap: number;
  memory: MemoryInfo;
  backend: string;
}

describe(`a session of ${CELLS} cells`, () => {
  let kernel: KernelClient;
  let baseline: Snapshot;
  let final: Snapshot;

  const snapshot = async (): Promise<Snapshot> => {
    const memory = await valueOf<MemoryInfo>(kernel, "await settleMemory()");
    const backend = await valueOf<string>(kernel, "nn.backend().name");
    const jsHeap = await valueOf<number>(kernel, "process.memoryUsage().heapUsed");
    return { rss: residentBytes(kernel.pid), jsHeap, memory, backend };
  };

  beforeAll(async () => {
    kernel = await KernelClient.start();
    await run(kernel, `${DEFINE_SETTLE}\nlet latest = nn.zeros([1]);\nconst probes: WeakRef<object>[] = [];`);
  });
  afterAll(async () => {
    await kernel?.close();
  });

  it(
    "runs every cell",
    async () => {
      const started = Date.now();
      for (let i = 1; i <= CELLS; i++) {
        await run(kernel, cell(i));
        if (i === WARM_UP) baseline = await snapshot();
      }
      final = await snapshot();
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      console.log(
        `${CELLS} cells in ${((Date.now() - started) / 1000).toFixed(0)} s; RSS ${mib(baseline.rss)} MiB after cell ${WARM_UP}, ` +
          `${mib(final.rss)} MiB after cell ${CELLS} (growth ${mib(final.rss - baseline.rss)} MiB); ` +
          `JS heap ${mib(baseline.jsHeap)} -> ${mib(final.jsHeap)} MiB; ` +
          `nn.memory() ${JSON.stringify(baseline.memory)} -> ${JSON.stringify(final.memory)}`,
      );
    },
    30 * 60_000,
  );

  it(`keeps resident memory growth between cell ${WARM_UP} and the last below ${(RSS_GROWTH_BOUND / 2 ** 20).toFixed(0)} MiB (48 KiB a cell)`, () => {
    expect(final.rss - baseline.rss).toBeLessThan(RSS_GROWTH_BOUND);
  });

  it(`keeps the JavaScript heap's growth below ${(JS_HEAP_GROWTH_BOUND / 2 ** 20).toFixed(0)} MiB (16 KiB a cell)`, () => {
    expect(final.jsHeap - baseline.jsHeap).toBeLessThan(JS_HEAP_GROWTH_BOUND);
  });

  it("returns nn.memory() to its baseline: the tensors and storages the cells dropped are all freed", () => {
    expect({ tensors: final.memory.tensors, storages: final.memory.storages, bytes: final.memory.bytes }).toEqual({
      tensors: baseline.memory.tensors,
      storages: baseline.memory.storages,
      bytes: baseline.memory.bytes,
    });
  });

  it(`returns the backend's own storage to its baseline and grows its heap by less than ${HEAP_GROWTH_BOUND / 2 ** 20} MiB`, () => {
    const before = baseline.memory.backends[baseline.backend];
    const after = final.memory.backends[final.backend];
    expect(after).toBeDefined();
    expect(after.bytes).toBe(before.bytes);
    expect(after.liveBytes).toBe(before.liveBytes);
    expect((after.heapBytes ?? 0) - (before.heapBytes ?? 0)).toBeLessThan(HEAP_GROWTH_BOUND);
  });

  it("frees the autograd graphs and models of earlier cells (weak references to them are cleared)", async () => {
    const alive = await valueOf<number>(
      kernel,
      "(await settleMemory(), probes.filter((p) => p.deref() !== undefined).length)",
    );
    const probes = await valueOf<number>(kernel, "probes.length");
    expect(probes).toBe(2 * Math.floor(CELLS / 100));
    expect(alive).toBe(0);
  });
});
