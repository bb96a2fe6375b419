/**
 * Reading a running kernel from a test: values a cell computes (as JSON on stdout), the process's resident
 * memory, and a full garbage collection inside the kernel (so tensors the cells dropped are finalized
 * before `nn.memory()` is read).
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { KernelClient, Message } from "../kernel/client";

/** Defines `settleMemory()` in the kernel: collects garbage until finalizers have run, then reads nn.memory(). */
export const DEFINE_SETTLE = `
require("node:v8").setFlagsFromString("--expose-gc");
const collectGarbage = require("node:vm").runInNewContext("gc") as () => void;
async function settleMemory() {
  for (let i = 0; i < 6; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return nn.memory();
}`;

/** Runs `code` as a cell and expects it to succeed; returns its IOPub messages. */
export async function run(kernel: KernelClient, code: string): Promise<Message[]> {
  const { reply, iopub } = await kernel.execute(code, { stop_on_error: false });
  if (reply.content.status !== "ok") {
    throw new Error(`the cell failed: ${String(reply.content.ename)}: ${String(reply.content.evalue)}\n${code}`);
  }
  return iopub;
}

/** The value of `expression` in the kernel, sent back as JSON (`await` allowed). */
export async function valueOf<T>(kernel: KernelClient, expression: string): Promise<T> {
  const iopub = await run(kernel, `console.log("@json" + JSON.stringify(await (async () => (${expression}))()));`);
  const text = stdout(iopub);
  const at = text.lastIndexOf("@json");
  if (at < 0) throw new Error(`no value came back for ${expression}; stdout: ${text}`);
  return JSON.parse(text.slice(at + 5).split("\n")[0]) as T;
}

/** Everything a cell wrote to stdout. */
function stdout(iopub: Message[]): string {
  return iopub
    .filter((m) => m.header.msg_type === "stream" && m.content.name === "stdout")
    .map((m) => String(m.content.text))
    .join("");
}

/** Everything a cell wrote to stderr. */
export function stderr(iopub: Message[]): string {
  return iopub
    .filter((m) => m.header.msg_type === "stream" && m.content.name === "stderr")
    .map((m) => String(m.content.text))
    .join("");
}

/** Resident memory of a process, in bytes (VmRSS of /proc/PID/status). */
export function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`/proc/${pid}/status has no VmRSS line: is process ${pid} alive?`);
  return Number(match[1]) * 1024;
}

/** The kernel answers a cell and still has the value `kept` defined before (set by the caller to 41). */
export async function expectResponsive(kernel: KernelClient): Promise<void> {
  const { reply, iopub } = await kernel.execute("kept + 1");
  expect(reply.content.status).toBe("ok");
  expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({ "text/plain": "42" });
}
