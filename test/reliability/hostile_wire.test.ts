/**
 * Hostile wire input: thousands of malformed, forged, replayed and oversized multipart messages on every
 * socket of a real kernel process. The kernel must stay up, never run code it cannot authenticate, and
 * answer well-formed requests on every socket afterwards. NNLAB_FUZZ_SEED and NNLAB_FUZZ_COUNT reproduce
 * or enlarge a run.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import * as zmq from "zeromq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeContent, KernelClient } from "../kernel/client";
import { HostileMessages, type Target } from "./hostile_messages";
import { RawSockets } from "./raw_sockets";

const SEED = Number(process.env.NNLAB_FUZZ_SEED ?? 0x5eed);
/** Messages per request socket (shell, control, stdin); heartbeat and IOPub get a fifth of that each. */
const PER_SOCKET = Number(process.env.NNLAB_FUZZ_COUNT ?? 3000);
const HUGE_BYTES = 50 * 2 ** 20;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe(`hostile wire input (seed ${SEED})`, () => {
  let kernel: KernelClient;
  let raw: RawSockets;
  let marker: string;
  let generator: HostileMessages;

  beforeAll(async () => {
    kernel = await KernelClient.start();
    raw = new RawSockets(kernel.connectionFile);
    marker = path.join(kernel.dir, "unsigned-code-ran");
    generator = new HostileMessages({
      seed: SEED,
      key: kernel.key,
      markerCode: `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran")`,
      hugeBytes: HUGE_BYTES,
    });
  });
  afterAll(async () => {
    raw?.close();
    await kernel?.close();
  });

  it("survives thousands of malformed, forged and oversized messages on every socket without running any", async () => {
    const started = performance.now();
    const counts: Record<string, number> = {};
    const plan: [Target, number][] = [
      ["shell", PER_SOCKET],
      ["control", PER_SOCKET],
      ["stdin", PER_SOCKET],
      ["hb", PER_SOCKET / 5],
      ["iopub", PER_SOCKET / 5],
    ];
    let sent = 0;
    for (const [target, count] of plan) {
      for (let i = 0; i < count; i++) {
        const message = generator.next(target);
        counts[message.kind] = (counts[message.kind] ?? 0) + 1;
        await raw.send(target, message.frames);
        sent++;
      }
      const hugeVariants = target === "hb" || target === "iopub" ? 1 : 3;
      for (let variant = 0; variant < hugeVariants; variant++) {
        await raw.send(target, generator.hugeMessage(target, variant).frames);
        sent++;
      }
    }
    // A signed request after the fuzz on each request socket: its reply means the kernel read everything before it.
    for (const target of ["shell", "control"] as const) {
      const { msgId, frames } = kernel.frames("kernel_info_request", {});
      await raw.roundTrip(target, msgId, frames);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`fuzzed ${sent} messages in ${seconds.toFixed(1)} s (seed ${SEED}); kinds: ${JSON.stringify(counts)}`);

    expect(alive(kernel.pid)).toBe(true);
    expect(existsSync(marker)).toBe(false);
    expect(kernel.output).not.toMatch(/uncaught exception|unhandled rejection|handling a message on \w+ failed/);
  });

  it("answers a well-formed execute_request on shell after the fuzz", async () => {
    const { reply, iopub } = await kernel.execute("6 * 7");
    expect(reply.content.status).toBe("ok");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "42",
    });
  });

  it("answers kernel_info_request on control after the fuzz", async () => {
    const id = kernel.send("control", "kernel_info_request", {});
    expect((await kernel.reply("control", id)).content).toMatchObject({ status: "ok", implementation: "nnlab" });
  });

  it("echoes a heartbeat after the fuzz", async () => {
    const heartbeat = new zmq.Request({ linger: 0, receiveTimeout: 10_000 });
    heartbeat.connect(kernel.hbEndpoint);
    try {
      await heartbeat.send("still there?");
      const [echo] = await heartbeat.receive();
      expect(echo.toString()).toBe("still there?");
    } finally {
      heartbeat.close();
    }
  });

  it("takes an input_reply on stdin after the fuzz", async () => {
    const id = kernel.send(
      "shell",
      "execute_request",
      executeContent('(await input("name? ")).toUpperCase()', { allow_stdin: true }),
    );
    await kernel.waitFor(
      "stdin",
      (m) => m.parent_header.msg_id === id && m.header.msg_type === "input_request",
      "input_request",
    );
    kernel.send("stdin", "input_reply", { value: "ada" });
    const iopub = await kernel.iopubUntilIdle(id);
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "'ADA'",
    });
  });

  it("never lets a prototype-named message type wedge the shell queue", async () => {
    for (const type of ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"]) {
      kernel.send("shell", type, {});
      const { reply } = await kernel.execute(`"${type} survived"`);
      expect(reply.content.status).toBe("ok");
    }
  });
});

describe("replayed messages", () => {
  let kernel: KernelClient;
  let counter: string;
  const appendCell = () => `require("node:fs").appendFileSync(${JSON.stringify(counter)}, "x")`;

  beforeAll(async () => {
    kernel = await KernelClient.start();
    counter = path.join(kernel.dir, "runs");
  });
  afterAll(async () => {
    await kernel?.close();
  });

  it("runs a signed execute_request once when it is sent twice on shell", async () => {
    const { msgId, frames } = kernel.frames("execute_request", executeContent(appendCell()));
    kernel.sendRaw("shell", frames);
    await kernel.iopubUntilIdle(msgId);
    kernel.sendRaw("shell", frames);
    expect((await kernel.execute("1")).reply.content.status).toBe("ok");
    expect(readFileSync(counter, "utf8")).toBe("x");
    await kernel.logged(/dropped a message on shell: replay/);
  });

  it("answers a signed control request once when it is sent twice", async () => {
    const { msgId, frames } = kernel.frames("kernel_info_request", {});
    kernel.sendRaw("control", frames);
    await kernel.reply("control", msgId);
    kernel.sendRaw("control", frames);
    await kernel.logged(/dropped a message on control: replay/);
  });

  it("does not run a signed execute_request captured on shell and replayed on control", async () => {
    const before = readFileSync(counter, "utf8");
    const { msgId, frames } = kernel.frames("execute_request", executeContent(appendCell()));
    kernel.sendRaw("shell", frames);
    await kernel.iopubUntilIdle(msgId);
    kernel.sendRaw("control", frames);
    const probe = kernel.send("control", "kernel_info_request", {});
    await kernel.reply("control", probe);
    expect((await kernel.execute("1")).reply.content.status).toBe("ok");
    expect(readFileSync(counter, "utf8")).toBe(before + "x");
    await kernel.logged(/dropped a message on control: replay/);
  });
});
