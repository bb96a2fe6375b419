/**
 * The kernel's outbox: one send in flight per socket (zeromq v6's rule), in order, and a send whose promise never
 * settles (an interrupt's termination landing inside ZeroMQ's completion) does not stall the socket for good.
 * The socket here is scripted: that failure cannot be produced on demand with a real ZeroMQ socket.
 */
import { describe, expect, it } from "vitest";
import { Outbox, type SendingSocket } from "../../kernel/protocol/channels";
import type { Log } from "../../kernel/log";

interface Pending {
  text: string;
  resolve: () => void;
}

/** A socket that holds every send until the test settles it, and refuses a second one meanwhile (EBUSY). */
class ScriptedSocket implements SendingSocket {
  readonly delivered: string[] = [];
  pending: Pending | undefined;
  busyRefusals = 0;
  /** The next send is accepted but never settles (its completion is lost), while the socket is free again. */
  loseNext = false;
  /** The next send never settles and keeps the socket busy until `release()`. */
  holdNext = false;
  private held = false;

  send(frames: Buffer[]): Promise<void> {
    const text = frames.map((f) => f.toString()).join("|");
    if (this.held || this.pending) {
      this.busyRefusals++;
      return Promise.reject(Object.assign(new Error("Socket is busy writing"), { code: "EBUSY" }));
    }
    if (this.loseNext) {
      this.loseNext = false;
      this.delivered.push(text);
      return new Promise(() => {});
    }
    if (this.holdNext) {
      this.holdNext = false;
      this.held = true;
      this.heldText = text;
      return new Promise(() => {});
    }
    return new Promise((resolve) => {
      this.pending = {
        text,
        resolve: () => {
          this.pending = undefined;
          this.delivered.push(text);
          resolve();
        },
      };
    });
  }

  private heldText = "";
  /** The held send completes inside ZeroMQ (its promise stays unsettled): the socket is free again. */
  release(): void {
    this.held = false;
    this.delivered.push(this.heldText);
  }

  settle(): void {
    this.pending?.resolve();
  }
}

function recordingLog(): Log & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => {};
  return { warnings, debug: ignore, info: ignore, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
const frames = (text: string) => [Buffer.from(text)];

describe("Outbox", () => {
  it("hands ZeroMQ one send at a time, in order", async () => {
    const socket = new ScriptedSocket();
    const outbox = new Outbox(socket, "iopub", recordingLog(), 200);
    for (const text of ["busy", "stream", "idle"]) outbox.send(frames(text));
    expect(outbox.empty).toBe(false);
    for (let i = 0; i < 3; i++) {
      await tick();
      socket.settle();
    }
    await tick();
    expect(socket.delivered).toEqual(["busy", "stream", "idle"]);
    expect(socket.busyRefusals).toBe(0);
    expect(outbox.empty).toBe(true);
  });

  it("goes on after a send whose completion was lost, and says so in the log", async () => {
    const socket = new ScriptedSocket();
    const log = recordingLog();
    const outbox = new Outbox(socket, "iopub", log, 100);
    socket.loseNext = true;
    outbox.send(frames("reply"));
    outbox.send(frames("idle"));
    await tick(20);
    expect(socket.delivered).toEqual(["reply"]);
    await tick(130);
    socket.settle();
    await tick();
    expect(socket.delivered).toEqual(["reply", "idle"]);
    expect(outbox.empty).toBe(true);
    expect(log.warnings).toEqual([expect.stringMatching(/a send on iopub has not completed after 100 ms \(1 more/)]);
  });

  it("keeps the order while ZeroMQ still holds the abandoned send (EBUSY), then delivers the rest once", async () => {
    const socket = new ScriptedSocket();
    const outbox = new Outbox(socket, "iopub", recordingLog(), 100);
    socket.holdNext = true;
    outbox.send(frames("one"));
    outbox.send(frames("two"));
    outbox.send(frames("three"));
    await tick(300);
    expect(socket.busyRefusals).toBeGreaterThan(0);
    expect(socket.delivered).toEqual([]);
    socket.release();
    for (let i = 0; i < 20 && socket.delivered.length < 3; i++) {
      await tick(60);
      socket.settle();
    }
    expect(socket.delivered).toEqual(["one", "two", "three"]);
    await tick();
    expect(outbox.empty).toBe(true);
  });

  it("does not give up on a send that completes after a long synchronous stretch", async () => {
    const socket = new ScriptedSocket();
    const log = recordingLog();
    const outbox = new Outbox(socket, "iopub", log, 50);
    outbox.send(frames("stream"));
    outbox.send(frames("idle"));
    // The send completes (delivered in the event loop's I/O phase, after timers), but the main thread is busy
    // past the stall time before the completion can run.
    setImmediate(() => socket.settle());
    const until = Date.now() + 150;
    while (Date.now() < until) {
      /* a busy cell */
    }
    await tick(10);
    socket.settle();
    await tick(10);
    expect(socket.delivered).toEqual(["stream", "idle"]);
    expect(log.warnings).toEqual([]);
  });
});
