import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, executeContent } from "./client";

/** A cell that would prove it ran by writing a marker file. */
function markerCell(marker: string): string {
  return `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran")`;
}

/** The kernel still executes a properly signed request. */
async function stillAnswers(kernel: KernelClient): Promise<void> {
  const { reply } = await kernel.execute("40 + 2");
  expect(reply.content.status).toBe("ok");
}

describe("message authentication", () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  });
  afterAll(async () => {
    await kernel?.close();
  });

  it("does not run an execute_request signed with the wrong key, and keeps answering", async () => {
    const marker = path.join(kernel.dir, "wrong-key");
    kernel.send("shell", "execute_request", executeContent(markerCell(marker)), { signature: "0".repeat(64) });
    await stillAnswers(kernel);
    expect(existsSync(marker)).toBe(false);
    await kernel.logged(/dropped a message on shell: bad-signature/);
  });

  it("does not run an unsigned execute_request", async () => {
    const marker = path.join(kernel.dir, "unsigned");
    kernel.send("shell", "execute_request", executeContent(markerCell(marker)), { signature: "" });
    await stillAnswers(kernel);
    expect(existsSync(marker)).toBe(false);
    await kernel.logged(/dropped a message on shell: unsigned/);
  });

  it("does not run a signed message a second time (replay)", async () => {
    const marker = path.join(kernel.dir, "replayed");
    const counter = `require("node:fs").appendFileSync(${JSON.stringify(marker)}, "x")`;
    const { msgId, frames } = kernel.frames("execute_request", executeContent(counter));
    kernel.sendRaw("shell", frames);
    await kernel.reply("shell", msgId);
    await kernel.iopubUntilIdle(msgId);
    kernel.sendRaw("shell", frames);
    await stillAnswers(kernel);
    expect(readFileSync(marker, "utf8")).toBe("x");
    await kernel.logged(/dropped a message on shell: replay/);
  });

  it("drops malformed messages (no delimiter, too few frames, bad JSON) and keeps answering", async () => {
    kernel.sendRaw("shell", [Buffer.from("no delimiter at all")]);
    kernel.sendRaw("shell", [Buffer.from("<IDS|MSG>"), Buffer.from("sig")]);
    const parts = ["{not json", "{}", "{}", "{}"].map((part) => Buffer.from(part));
    kernel.sendRaw("shell", [Buffer.from("<IDS|MSG>"), Buffer.from(kernel.sign(parts)), ...parts]);
    await stillAnswers(kernel);
    await kernel.logged(/no <IDS\|MSG> delimiter/);
    await kernel.logged(/1 frames after the delimiter/);
    await kernel.logged(/not a JSON object/);
  });

  it("rejects a wrongly signed interrupt_request on control", async () => {
    kernel.send("control", "interrupt_request", {}, { signature: "f".repeat(64) });
    const id = kernel.send("control", "kernel_info_request", {});
    expect((await kernel.reply("control", id)).content.status).toBe("ok");
    await kernel.logged(/dropped a message on control: bad-signature/);
  });
});
