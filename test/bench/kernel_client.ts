/**
 * A small Jupyter client for the kernel bench: it writes a connection file, talks to a kernel over real
 * ZeroMQ with signed messages (framing and HMAC from kernel/wire.ts), and timestamps what comes back.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as zmq from "zeromq";
import { Wire, type WireMessage } from "../../kernel/protocol/wire";
import { freePorts } from "../support/ports";

/** What came back for one request, with performance.now() times of arrival. */
export interface Exchange {
  sentAt: number;
  reply: WireMessage;
  replyAt: number;
  /** The request's iopub messages up to its `idle`. */
  iopub: WireMessage[];
  /** Arrival of the first output (`execute_result`, `stream` or `display_data`), if any. */
  outputAt?: number;
  /** Arrival of `status: idle`; undefined when iopub missed it within the wait. */
  idleAt?: number;
}

/** How long to wait for `idle` after the reply before giving up on it. */
const IDLE_GRACE_MS = 2000;

const OUTPUT_TYPES = new Set(["execute_result", "stream", "display_data"]);

interface Pending {
  sentAt: number;
  replyAt?: number;
  reply?: WireMessage;
  iopub: WireMessage[];
  outputAt?: number;
  idleAt?: number;
  wake: () => void;
}

export class KernelClient {
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  private constructor(
    private readonly wire: Wire,
    private readonly shell: zmq.Dealer,
    private readonly iopub: zmq.Subscriber,
  ) {
    void this.receive(shell);
    void this.receive(iopub);
  }

  /**
   * Writes a connection file on free loopback ports to `file` and connects to the addresses in it before
   * the kernel exists (ZeroMQ queues until the kernel binds), so a kernel's start can be timed from spawn.
   */
  static async create(file: string): Promise<KernelClient> {
    const [shellPort, iopubPort, stdinPort, controlPort, hbPort] = await freePorts(5);
    const key = randomBytes(32).toString("hex");
    const connection = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: shellPort,
      iopub_port: iopubPort,
      stdin_port: stdinPort,
      control_port: controlPort,
      hb_port: hbPort,
      key,
      signature_scheme: "hmac-sha256",
      kernel_name: "bench",
    };
    writeFileSync(file, JSON.stringify(connection, null, 2));
    const shell = new zmq.Dealer({ linger: 0 });
    const iopub = new zmq.Subscriber({ linger: 0 });
    shell.connect(`tcp://127.0.0.1:${shellPort}`);
    iopub.connect(`tcp://127.0.0.1:${iopubPort}`);
    iopub.subscribe();
    return new KernelClient(new Wire({ key, signatureScheme: "hmac-sha256" }), shell, iopub);
  }

  /** Sends a shell request; resolves once its reply and its iopub `idle` came, throws after `timeoutMs` without a reply. */
  async request(msgType: string, content: object, timeoutMs = 60_000): Promise<Exchange> {
    const frames = this.wire.serialize({ msgType, content });
    const msgId = (JSON.parse(frames[2].toString()) as { msg_id: string }).msg_id;
    let wake = (): void => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const entry: Pending = { sentAt: performance.now(), iopub: [], wake };
    this.pending.set(msgId, entry);
    await this.shell.send(frames);
    const timer = setTimeout(wake, timeoutMs);
    try {
      await woken;
    } finally {
      clearTimeout(timer);
      this.pending.delete(msgId);
    }
    if (!entry.reply || entry.replyAt === undefined) {
      throw new Error(`no ${msgType.replace(/_request$/, "_reply")} within ${timeoutMs} ms`);
    }
    return {
      sentAt: entry.sentAt,
      reply: entry.reply,
      replyAt: entry.replyAt,
      iopub: entry.iopub,
      outputAt: entry.outputAt,
      idleAt: entry.idleAt,
    };
  }

  /** Runs `code` as a cell (no history), as a front end would. */
  execute(code: string, timeoutMs?: number): Promise<Exchange> {
    return this.request(
      "execute_request",
      { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      timeoutMs,
    );
  }

  close(): void {
    this.closed = true;
    this.shell.close();
    this.iopub.close();
  }

  private async receive(socket: zmq.Dealer | zmq.Subscriber): Promise<void> {
    while (!this.closed) {
      let frames: Buffer[];
      try {
        frames = await socket.receive();
      } catch {
        return; // closed
      }
      const at = performance.now();
      const parsed = this.wire.parse(frames);
      if (!parsed.ok) continue;
      const message = parsed.message;
      const entry = this.pending.get((message.parentHeader as { msg_id?: string }).msg_id ?? "");
      if (!entry) continue;
      if (socket === this.shell) {
        entry.reply = message;
        entry.replyAt = at;
        // An iopub message published before the subscription reached the kernel is lost for good.
        setTimeout(entry.wake, IDLE_GRACE_MS).unref();
      } else if (message.header.msg_type === "status" && message.content.execution_state === "idle") {
        entry.idleAt = at;
      } else if (message.header.msg_type !== "status") {
        entry.iopub.push(message);
        if (OUTPUT_TYPES.has(message.header.msg_type)) entry.outputAt ??= at;
      }
      if (entry.reply && entry.idleAt !== undefined) entry.wake();
    }
  }
}
