/**
 * The socket message size limit (kernel/protocol/message_limit.ts): a frame over NNLAB_MAX_MESSAGE_BYTES is refused by
 * ZeroMQ before the kernel buffers it, even when it is correctly signed; the peer reconnects and its next
 * message is answered; a message under the limit runs as usual.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_MESSAGE_BYTES, messageLimit } from "../../kernel/protocol/message_limit";
import { KernelClient } from "../kernel/client";
import { expectResponsive, residentBytes } from "./kernel_probe";
import { RawSockets } from "./raw_sockets";

const LIMIT = 2 ** 20;
/** Oversized frames sent in a row; were they buffered, resident memory would grow by their sum. */
const OVERSIZED = 8;
const OVERSIZED_BYTES = 32 * 2 ** 20;

describe("NNLAB_MAX_MESSAGE_BYTES", () => {
  it("defaults to 256 MiB and falls back to the default, saying why, on a value that is not a usable size", () => {
    expect(messageLimit({})).toEqual({ bytes: DEFAULT_MAX_MESSAGE_BYTES });
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(256 * 2 ** 20);
    expect(messageLimit({ NNLAB_MAX_MESSAGE_BYTES: "1048576" })).toEqual({ bytes: 1048576 });
    for (const bad of ["1e100", "-5", "12 MiB", "100"]) {
      const limit = messageLimit({ NNLAB_MAX_MESSAGE_BYTES: bad });
      expect(limit.bytes).toBe(DEFAULT_MAX_MESSAGE_BYTES);
      expect(limit.problem).toContain(`NNLAB_MAX_MESSAGE_BYTES="${bad}"`);
    }
  });
});

describe(`a kernel started with NNLAB_MAX_MESSAGE_BYTES=${LIMIT}`, () => {
  let kernel: KernelClient;
  let raw: RawSockets;

  beforeAll(async () => {
    kernel = await KernelClient.start({ NNLAB_MAX_MESSAGE_BYTES: String(LIMIT) });
    await kernel.execute("const kept = 41;");
    raw = new RawSockets(kernel.connectionFile);
  });
  afterAll(async () => {
    raw?.close();
    await kernel?.close();
  });

  /** A signed execute_request whose code writes `marker` and is padded with a comment to `bytes`. */
  const paddedExecute = (marker: string, bytes: number) => {
    const code = `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n// ${"x".repeat(bytes)}`;
    return kernel.frames("execute_request", {
      code,
      silent: false,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: false,
    });
  };

  it("runs a correctly signed cell just under the limit", async () => {
    const marker = path.join(kernel.dir, "under-limit-ran");
    const { msgId, frames } = paddedExecute(marker, LIMIT - 4096);
    await raw.roundTrip("shell", msgId, frames);
    expect(existsSync(marker)).toBe(true);
  });

  it("refuses oversized frames on every socket without buffering them, even correctly signed ones, and keeps answering", async () => {
    const marker = path.join(kernel.dir, "oversized-ran");
    const before = residentBytes(kernel.pid);
    for (let i = 0; i < OVERSIZED; i++) {
      await raw.send("shell", paddedExecute(marker, OVERSIZED_BYTES).frames);
      await raw.send("control", kernel.frames("kernel_info_request", { padding: "x".repeat(OVERSIZED_BYTES) }).frames);
      await raw.send("stdin", [Buffer.alloc(OVERSIZED_BYTES, "{")]);
      await raw.send("hb", [Buffer.alloc(OVERSIZED_BYTES, "p")]);
    }
    // The raw sockets were disconnected and reconnect by themselves: a request on each is answered.
    for (const target of ["shell", "control"] as const) {
      const { msgId, frames } = kernel.frames("kernel_info_request", {});
      await raw.roundTrip(target, msgId, frames);
    }
    const grown = residentBytes(kernel.pid) - before;
    expect(existsSync(marker)).toBe(false);
    expect(grown).toBeLessThan(OVERSIZED_BYTES);
    await expectResponsive(kernel);
  }, 120_000);
});
