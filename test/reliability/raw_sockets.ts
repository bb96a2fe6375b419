/**
 * Raw ZeroMQ sockets onto every port of a running kernel (read from its connection file), for tests that
 * send frames no well-behaved client would. Sends are awaited one at a time (zeromq allows one in flight)
 * and whatever the kernel sends back is drained, so neither side's queue fills up.
 */
import { readFileSync } from "node:fs";
import * as zmq from "zeromq";
import type { Target } from "./hostile_messages";
import { DELIMITER } from "./hostile_messages";

export interface ConnectionFile {
  ip: string;
  key: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

type RawSocket = zmq.Dealer | zmq.XSubscriber;

export class RawSockets {
  readonly connection: ConnectionFile;
  private readonly sockets: Record<Target, RawSocket>;
  /** Who waits for a reply, by the msg_id of the request it answers. */
  private readonly replies = new Map<string, () => void>();

  constructor(connectionFile: string) {
    this.connection = JSON.parse(readFileSync(connectionFile, "utf8")) as ConnectionFile;
    const at = (port: number) => `tcp://${this.connection.ip}:${port}`;
    this.sockets = {
      shell: new zmq.Dealer({ linger: 0 }),
      control: new zmq.Dealer({ linger: 0 }),
      stdin: new zmq.Dealer({ linger: 0 }),
      hb: new zmq.Dealer({ linger: 0 }),
      iopub: new zmq.XSubscriber({ linger: 0 }),
    };
    this.sockets.shell.connect(at(this.connection.shell_port));
    this.sockets.control.connect(at(this.connection.control_port));
    this.sockets.stdin.connect(at(this.connection.stdin_port));
    this.sockets.hb.connect(at(this.connection.hb_port));
    this.sockets.iopub.connect(at(this.connection.iopub_port));
    for (const socket of Object.values(this.sockets)) void this.drain(socket);
  }

  async send(target: Target, frames: Buffer[]): Promise<void> {
    await this.sockets[target].send(frames);
  }

  /**
   * Sends frames whose header has `msgId` and resolves when a reply naming it as parent comes back on
   * the same socket: everything sent before it on that socket has been read by the kernel.
   */
  roundTrip(target: "shell" | "control", msgId: string, frames: Buffer[], timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(msgId);
        reject(new Error(`no reply to ${msgId} on ${target} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.replies.set(msgId, () => {
        clearTimeout(timer);
        resolve();
      });
      this.send(target, frames).catch(reject);
    });
  }

  close(): void {
    for (const socket of Object.values(this.sockets)) socket.close();
  }

  private async drain(socket: RawSocket): Promise<void> {
    try {
      for await (const frames of socket) {
        const at = frames.findIndex((frame) => frame.toString() === DELIMITER);
        if (at < 0 || frames.length < at + 3) continue;
        const parent = parseObject(frames[at + 3]);
        const done = typeof parent?.msg_id === "string" ? this.replies.get(parent.msg_id) : undefined;
        if (done) {
          this.replies.delete(parent?.msg_id as string);
          done();
        }
      }
    } catch {
      // closed
    }
  }
}

function parseObject(frame: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(frame.toString());
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
