import { afterEach, describe, expect, it } from "vitest";
import { KernelClient, executeContent } from "./client";

describe("kernel lifecycle", () => {
  let kernel: KernelClient | undefined;
  afterEach(async () => {
    await kernel?.close();
    kernel = undefined;
  });

  it("replies to shutdown_request on control, publishes it on IOPub and exits with code 0", async () => {
    kernel = await KernelClient.start();
    const id = kernel.send("control", "shutdown_request", { restart: false });
    const reply = await kernel.reply("control", id);
    expect(reply.content).toEqual({ status: "ok", restart: false });
    await kernel.waitFor(
      "iopub",
      (m) => m.parent_header.msg_id === id && m.header.msg_type === "shutdown_reply",
      "shutdown_reply on IOPub",
    );
    expect(await kernel.exited()).toEqual({ code: 0, signal: null });
  });

  it("echoes restart: true and exits promptly even while a cell busy-loops", async () => {
    kernel = await KernelClient.start();
    const looping = kernel.marker("looping");
    kernel.send("shell", "execute_request", executeContent(`${looping.statement}\nwhile (true) {}`));
    await looping.reached;
    const id = kernel.send("control", "shutdown_request", { restart: true });
    expect((await kernel.reply("control", id)).content).toEqual({ status: "ok", restart: true });
    expect(await kernel.exited()).toEqual({ code: 0, signal: null });
  });

  it("shuts down on a shutdown_request sent on shell as well", async () => {
    kernel = await KernelClient.start();
    const id = kernel.send("shell", "shutdown_request", { restart: false });
    expect((await kernel.reply("shell", id)).content).toEqual({ status: "ok", restart: false });
    expect(await kernel.exited()).toEqual({ code: 0, signal: null });
  });

  it("shows exceptions and rejections that escape user code on their cell, and keeps running cells", async () => {
    kernel = await KernelClient.start();
    const escaping = {
      "from nextTick": 'process.nextTick(() => { throw new Error("from nextTick"); });',
      "nobody awaits me": 'Promise.reject(new Error("nobody awaits me"));',
      "from a timer": 'setTimeout(() => { throw new Error("from a timer"); }, 0);',
    };
    for (const [text, code] of Object.entries(escaping)) {
      const id = kernel.send("shell", "execute_request", executeContent(code, { stop_on_error: false }));
      await kernel.waitFor(
        "iopub",
        (m) => m.parent_header.msg_id === id && JSON.stringify(m.content).includes(text),
        `"${text}" on its cell`,
      );
    }
    const { iopub, reply } = await kernel.execute("6 * 7");
    expect(reply.content.status).toBe("ok");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "42",
    });
  });
});
