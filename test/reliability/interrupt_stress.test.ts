/**
 * Interrupts under stress: twenty interrupts in a row, alternating interrupt_request and SIGINT, landing
 * during `fit`, during a gpu.js matmul, during an `await` and during a synchronous loop. After every one the
 * kernel answers the next request, the model's weights and predictions are finite, gradients are recorded
 * again and tensors made afterwards are freed (no tidy scope or noGrad left behind by the stopped code).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeContent, KernelClient } from "../kernel/client";
import { DEFINE_SETTLE, expectResponsive, run, valueOf } from "./kernel_probe";

const ROUNDS = 20;

interface Scenario {
  name: string;
  /** The cell; it creates `marker` once the interruptible part is under way. */
  cell(marker: string): string;
  /** Extra time after the marker, so the interrupt lands inside a long call rather than before it. */
  settleMs: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: "during fit",
    cell: (marker) =>
      `await model.fit(xs, ys, { epochs: 1000, batchSize: 32, verbose: 0, callbacks: [new MarkAtBatch(${JSON.stringify(marker)}, 3)] });`,
    settleMs: 50,
  },
  {
    name: "during a gpu.js matmul",
    cell: (marker) =>
      `nn.setBackend("gpujs");\nconst a = nn.randn([768, 768]);\nfs.writeFileSync(${JSON.stringify(marker)}, "");\n` +
      `for (let i = 0; i < 1000; i++) nn.matmul(a, a).dataSync();`,
    settleMs: 300,
  },
  {
    name: "during await",
    cell: (marker) => `fs.writeFileSync(${JSON.stringify(marker)}, "");\nawait new Promise(() => {});`,
    settleMs: 0,
  },
  {
    name: "during a synchronous loop",
    cell: (marker) => `fs.writeFileSync(${JSON.stringify(marker)}, "");\nlet spins = 0;\nwhile (true) spins++;`,
    settleMs: 0,
  },
];

const SETUP = `${DEFINE_SETTLE}
const kept = 41;
const fs = require("node:fs");
const home = nn.backend().name;
const model = keras.Sequential([keras.Input({ shape: [32] }), layers.Dense(64, { activation: "relu" }), layers.Dense(1)]);
model.compile({ loss: "mse", optimizer: "adam" });
const xs = nn.randn([4096, 32]);
const ys = nn.randn([4096, 1]);
const probe = nn.randn([8, 32]);
class MarkAtBatch extends keras.callbacks.Callback {
  constructor(private readonly file: string, private readonly batch: number) { super(); }
  override onBatchEnd(batch: number): void { if (batch === this.batch) fs.writeFileSync(this.file, ""); }
}
/** The backend is the cell's choice, not the kernel's: the gpu.js round leaves gpujs selected. */
async function health() {
  nn.setBackend(home);
  const finite = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync()).every(Number.isFinite);
  const weightsFinite = model.getWeights().every(finite);
  const predictionFinite = finite(model.predict(probe, { verbose: 0 }));
  const gradEnabled = nn.isGradEnabled();
  const w = nn.tensor([1, 2, 3], { requiresGrad: true });
  nn.sum(nn.square(w)).backward();
  const gradientWorks = Array.from(w.grad!.dataSync()).join(",") === "2,4,6";
  const before = (await settleMemory()).tensors;
  { nn.ones([100]); nn.tidy(() => nn.add(nn.ones([10]), 1)); }
  const leaked = (await settleMemory()).tensors - before;
  const snapshot = () => model.getWeights().map((t) => Array.from(t.dataSync()).join(",")).join(";");
  const weights = snapshot();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const trainingStopped = snapshot() === weights;
  return { trainingStopped, weightsFinite, predictionFinite, gradEnabled, gradientWorks, leaked };
}`;

async function waitForFile(file: string, kernel: KernelClient): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`the cell never created ${file}; kernel log:\n${kernel.output}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe(`${ROUNDS} interrupts in a row`, () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
    await run(kernel, SETUP);
  });
  afterAll(async () => {
    await kernel?.close();
  });

  for (let round = 0; round < ROUNDS; round++) {
    const scenario = SCENARIOS[round % SCENARIOS.length];
    const bySignal = round % 2 === 1;
    it(`round ${round + 1}: ${bySignal ? "SIGINT" : "interrupt_request"} ${scenario.name} stops the cell, and the kernel and model stay usable`, async () => {
      const marker = path.join(kernel.dir, `round-${round}`);
      const id = kernel.send(
        "shell",
        "execute_request",
        executeContent(scenario.cell(marker), { stop_on_error: false }),
      );
      await waitForFile(marker, kernel);
      if (scenario.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, scenario.settleMs));
      if (bySignal) kernel.interruptBySignal();
      else {
        const interrupt = kernel.send("control", "interrupt_request", {});
        expect((await kernel.reply("control", interrupt)).content.status).toBe("ok");
      }
      const reply = await kernel.reply("shell", id);
      expect(reply.content).toMatchObject({ status: "error", ename: "InterruptError" });
      await kernel.iopubUntilIdle(id);

      await expectResponsive(kernel);
      expect(await valueOf(kernel, "await health()")).toEqual({
        trainingStopped: true,
        weightsFinite: true,
        predictionFinite: true,
        gradEnabled: true,
        gradientWorks: true,
        leaked: 0,
      });
    });
  }

  it("trains normally after all the interrupts", async () => {
    const loss = await valueOf<number>(
      kernel,
      "(await model.fit(xs, ys, { epochs: 1, batchSize: 256, verbose: 0 })).history.loss[0]",
    );
    expect(Number.isFinite(loss)).toBe(true);
  });
});
