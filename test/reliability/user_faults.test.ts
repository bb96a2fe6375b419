/**
 * Faults inside user code, through the real kernel: each is reported where the user sees it, and the
 * kernel keeps running with everything defined before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, type Message } from "../kernel/client";
import { expectResponsive, run, stderr } from "./kernel_probe";

const TENSOR_LIMIT = 1024 * 1024;

function stderrOfAll(kernel: KernelClient, text: string): Promise<Message> {
  return kernel.waitFor(
    "iopub",
    (m) => m.header.msg_type === "stream" && m.content.name === "stderr" && String(m.content.text).includes(text),
    `stderr containing "${text}"`,
  );
}

describe("faults inside user code", () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start({ NNLAB_MAX_TENSOR_BYTES: String(TENSOR_LIMIT) });
    await run(kernel, "const kept = 41;");
  });
  afterAll(async () => {
    await kernel?.close();
  });

  it("shows an error thrown later in a timer callback, and keeps running", async () => {
    await run(kernel, 'setTimeout(() => { throw new Error("boom in a timer"); }, 10);');
    const shown = await stderrOfAll(kernel, "boom in a timer");
    expect(String(shown.content.text)).toContain("Uncaught error in a timer callback");
    await expectResponsive(kernel);
  });

  it("shows an unhandled promise rejection, and keeps running", async () => {
    await run(kernel, 'Promise.reject(new Error("nobody awaits this")); "left behind"');
    const shown = await stderrOfAll(kernel, "nobody awaits this");
    expect(String(shown.content.text)).toContain("Unhandled promise rejection");
    await expectResponsive(kernel);
  });

  it("refuses process.exit, globalThis.process.exit and require('process').exit with an error, and keeps running", async () => {
    for (const call of [
      "process.exit(1)",
      "globalThis.process.exit(3)",
      'require("node:process").exit(4)',
      "process.kill(process.pid)",
    ]) {
      const { reply } = await kernel.execute(call, { stop_on_error: false });
      expect(reply.content.status).toBe("error");
      expect(String(reply.content.evalue)).toMatch(/is refused in a notebook cell/);
      await expectResponsive(kernel);
    }
  });

  it("reports a stack overflow as a RangeError, and keeps running", async () => {
    const { reply } = await kernel.execute("function down(n: number): number { return down(n + 1) + 1; }\ndown(0)", {
      stop_on_error: false,
    });
    expect(reply.content).toMatchObject({ status: "error", ename: "RangeError" });
    expect(String(reply.content.evalue)).toContain("Maximum call stack size exceeded");
    await expectResponsive(kernel);
  });

  it("refuses a tensor beyond NNLAB_MAX_TENSOR_BYTES with an error naming the limit, instead of being killed", async () => {
    const { reply } = await kernel.execute("const huge = nn.zeros([4096, 4096]);", { stop_on_error: false });
    expect(reply.content.status).toBe("error");
    expect(String(reply.content.evalue)).toContain(
      "a result of shape [4096,4096] needs 64.00 MiB, more than the limit NNLAB_MAX_TENSOR_BYTES = 1.00 MiB",
    );
    await expectResponsive(kernel);
    const { reply: small } = await kernel.execute("nn.zeros([16, 16]).shape");
    expect(small.content.status).toBe("ok");
  });

  it("warns once, naming the epoch and batch, when training produces a NaN loss", async () => {
    const iopub = await run(
      kernel,
      `const bad = keras.Sequential([keras.Input({ shape: [2] }), layers.Dense(1)]);
bad.compile({ loss: "mse", optimizer: "sgd" });
const xBad = nn.tensor([[1, 2], [NaN, 1], [3, 4], [5, 6]]);
await bad.fit(xBad, nn.zeros([4, 1]), { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });`,
    );
    const warnings = stderr(iopub);
    expect(warnings).toContain("fit: the loss is NaN at epoch 1, batch 0 (of 2)");
    expect(warnings.match(/fit: the loss is/g)).toHaveLength(1);
  });

  it("stops training at the first NaN batch with TerminateOnNaN, saying which batch", async () => {
    const iopub = await run(
      kernel,
      `const stopped = await bad.fit(xBad, nn.zeros([4, 1]), { epochs: 5, batchSize: 2, shuffle: false, verbose: 0, callbacks: [keras.callbacks.TerminateOnNaN()] });
console.log("epochs run:", stopped.history.loss.length);`,
    );
    expect(stderr(iopub)).toContain("TerminateOnNaN: batch 0 gave an invalid loss (NaN)");
    expect(iopub.some((m) => typeof m.content.text === "string" && m.content.text.includes("epochs run: 1"))).toBe(
      true,
    );
    await expectResponsive(kernel);
  });
});
