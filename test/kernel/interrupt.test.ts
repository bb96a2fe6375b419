import * as zmq from "zeromq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { executeContent, KernelClient } from "./client";

/** Starts a cell and resolves once its code runs (it creates a marker file first). */
async function startCell(kernel: KernelClient, code: string): Promise<string> {
  const started = kernel.marker("started");
  const id = kernel.send(
    "shell",
    "execute_request",
    executeContent(`${started.statement}\n${code}`, { stop_on_error: false }),
  );
  await started.reached;
  return id;
}

async function interruptByMessage(kernel: KernelClient): Promise<void> {
  const id = kernel.send("control", "interrupt_request", {});
  const reply = await kernel.reply("control", id);
  expect(reply.header.msg_type).toBe("interrupt_reply");
  expect(reply.content.status).toBe("ok");
}

async function expectInterrupted(kernel: KernelClient, id: string): Promise<void> {
  const reply = await kernel.reply("shell", id);
  expect(reply.content).toMatchObject({ status: "error", ename: "InterruptError" });
  await kernel.iopubUntilIdle(id);
}

describe("interrupting a cell", () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
    const { reply } = await kernel.execute("const kept = 41;");
    expect(reply.content.status).toBe("ok");
  });
  afterAll(async () => {
    await kernel?.close();
  });

  it("interrupt_request stops a busy while(true) loop and the kernel runs the next cell", async () => {
    const id = await startCell(kernel, "while (true) {}");
    await interruptByMessage(kernel);
    await expectInterrupted(kernel, id);
    const { iopub } = await kernel.execute("kept + 1");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "42",
    });
  });

  it("interrupt_request settles a cell that awaits a promise that never resolves", async () => {
    const id = await startCell(kernel, "await new Promise(() => {});");
    await interruptByMessage(kernel);
    await expectInterrupted(kernel, id);
    const { reply } = await kernel.execute("kept");
    expect(reply.content.status).toBe("ok");
  });

  it("interrupt_request stops a busy loop that started after an await", async () => {
    const looping = kernel.marker("looping");
    const id = await startCell(
      kernel,
      `await new Promise((r) => setTimeout(r, 10));\n${looping.statement}\nlet n = 0;\nwhile (true) { n++; }`,
    );
    await looping.reached;
    await interruptByMessage(kernel);
    await expectInterrupted(kernel, id);
    const { reply } = await kernel.execute("kept");
    expect(reply.content.status).toBe("ok");
  });

  it("interrupt_request stops a loop that alternates busy work and awaits, as a training loop does", async () => {
    const id = await startCell(
      kernel,
      "var laps = 0;\nwhile (true) {\n  const t = Date.now();\n  while (Date.now() - t < 5) {}\n  laps++;\n  await new Promise((r) => setTimeout(r, 1));\n}",
    );
    await interruptByMessage(kernel);
    await expectInterrupted(kernel, id);
    // The loop itself has ended, not only the cell's answer: no lap runs after the interrupt.
    const lapsNow = async () => {
      const { iopub } = await kernel.execute("laps");
      const result = iopub.find((m) => m.header.msg_type === "execute_result");
      return Number((result?.content.data as Record<string, string> | undefined)?.["text/plain"]);
    };
    const before = await lapsNow();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await lapsNow()).toBe(before);
  });

  it("ends an async function the interrupted cell started and nobody awaits, at its next await, quietly", async () => {
    const id = await startCell(
      kernel,
      "var ticks = 0;\nasync function background() { for (;;) { ticks++; await new Promise((r) => setTimeout(r, 5)); } }\nvoid background();\nawait new Promise(() => {});",
    );
    await interruptByMessage(kernel);
    await expectInterrupted(kernel, id);
    const { iopub } = await kernel.execute(
      "const t0 = ticks; await new Promise((r) => setTimeout(r, 300)); ticks - t0",
    );
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "0",
    });
    expect(iopub.some((m) => m.header.msg_type === "stream" && /Unhandled/.test(String(m.content.text)))).toBe(false);
  });

  it("keeps awaits that resolve after an interrupt working in the cells that follow", async () => {
    const { iopub } = await kernel.execute("(await new Promise<number>((r) => setTimeout(() => r(6), 10))) * 7");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "42",
    });
  });

  it("SIGINT to the process group stops a busy loop, as Jupyter's signal interrupt does", async () => {
    const id = await startCell(kernel, "for (;;) {}");
    kernel.interruptBySignal();
    await expectInterrupted(kernel, id);
    const { iopub } = await kernel.execute("kept * 2");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "82",
    });
  });

  it("SIGINT settles a cell that awaits forever", async () => {
    const id = await startCell(kernel, "await new Promise(() => {});");
    kernel.interruptBySignal();
    await expectInterrupted(kernel, id);
  });

  it("keeps variables defined before the interrupts", async () => {
    const { iopub } = await kernel.execute("`${kept}`");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "'41'",
    });
  });

  it("answers heartbeats while a cell busy-loops", async () => {
    const id = await startCell(kernel, "while (true) {}");
    const heartbeat = new zmq.Request({ linger: 0, receiveTimeout: 5000 });
    heartbeat.connect(kernel.hbEndpoint);
    try {
      await heartbeat.send("ping");
      const [echo] = await heartbeat.receive();
      expect(echo.toString()).toBe("ping");
    } finally {
      heartbeat.close();
    }
    const info = kernel.send("control", "kernel_info_request", {});
    await interruptByMessage(kernel);
    await expectInterrupted(kernel, id);
    expect((await kernel.reply("control", info)).content.status).toBe("ok");
  });

  it("one interrupt sent as soon as the cell is announced stops a busy loop that starts after compiling", async () => {
    const code = "const sum = (a: number, b: number): number => a + b;\nwhile (sum(1, 1) === 2) {}";
    const id = kernel.send("shell", "execute_request", {
      code,
      silent: false,
      store_history: true,
      allow_stdin: false,
      stop_on_error: false,
    });
    await kernel.waitFor(
      "iopub",
      (m) => m.parent_header.msg_id === id && m.header.msg_type === "execute_input",
      "execute_input",
    );
    await interruptByMessage(kernel);
    await expectInterrupted(kernel, id);
    const { reply } = await kernel.execute("kept");
    expect(reply.content.status).toBe("ok");
  });

  it("interrupt with no cell running is harmless", async () => {
    await interruptByMessage(kernel);
    const { reply } = await kernel.execute("kept");
    expect(reply.content.status).toBe("ok");
  });

  it("settles every interrupted cell through the executor, never through the server's grace timer", () => {
    expect(kernel.output).not.toContain("did not stop by itself");
  });
});
