/**
 * Restart and shutdown: a shutdown_request with restart during training is answered and the process
 * exits; a kernel killed with SIGKILL leaves nothing behind (the kernel starts no child processes, and
 * its worker threads are threads of its own process).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { executeContent, KernelClient } from "../kernel/client";
import { run } from "./kernel_probe";

const TRAINING = `const model = keras.Sequential([keras.Input({ shape: [32] }), layers.Dense(64, { activation: "relu" }), layers.Dense(1)]);
model.compile({ loss: "mse", optimizer: "adam" });
const xs = nn.randn([4096, 32]);
const ys = nn.randn([4096, 1]);`;

/** Processes whose parent or process group is `pid`, from /proc/PID/stat. */
function descendantsOrGroup(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const other = Number(entry);
    if (!Number.isInteger(other) || other === pid) continue;
    try {
      // pid (comm) state ppid pgrp ...; comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${other}/stat`, "utf8");
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === pid || Number(pgrp) === pid) found.push(other);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function threadsOf(pid: number): number {
  return readdirSync(`/proc/${pid}/task`).length;
}

async function startTraining(kernel: KernelClient): Promise<string> {
  const marker = path.join(kernel.dir, "training");
  const id = kernel.send(
    "shell",
    "execute_request",
    executeContent(
      `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "");\nawait model.fit(xs, ys, { epochs: 1000, batchSize: 32, verbose: 0 });`,
    ),
  );
  const deadline = Date.now() + 60_000;
  while (!existsSync(marker)) {
    if (Date.now() > deadline) throw new Error(`training never started; kernel log:\n${kernel.output}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return id;
}

describe("restart and shutdown", () => {
  it("answers shutdown_request with restart during training, and the process exits", async () => {
    const kernel = await KernelClient.start();
    try {
      await run(kernel, TRAINING);
      await startTraining(kernel);
      const sent = performance.now();
      const id = kernel.send("control", "shutdown_request", { restart: true });
      const reply = await kernel.reply("control", id);
      const replied = performance.now();
      expect(reply.content).toMatchObject({ status: "ok", restart: true });
      const exit = await kernel.exited(10_000);
      const exited = performance.now();
      console.log(
        `shutdown_request with restart during fit: reply after ${(replied - sent).toFixed(0)} ms, process exit after ${(exited - sent).toFixed(0)} ms`,
      );
      expect(exit.code).toBe(0);
    } finally {
      await kernel.close();
    }
  });

  it("leaves no process behind when killed with SIGKILL while it trains on worker threads", async () => {
    const kernel = await KernelClient.start();
    try {
      await run(kernel, TRAINING);
      await startTraining(kernel);
      const pid = kernel.pid;
      expect(descendantsOrGroup(pid)).toEqual([]);
      expect(threadsOf(pid)).toBeGreaterThan(1);
      process.kill(pid, "SIGKILL");
      const exit = await kernel.exited(10_000);
      expect(exit.signal).toBe("SIGKILL");
      expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect(descendantsOrGroup(pid)).toEqual([]);
    } finally {
      await kernel.close();
    }
  });
});
