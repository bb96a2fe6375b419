/**
 * A small Jupyter client for the protocol tests: starts `node dist/kernel/cli.js
 * kernel` the way Jupyter does (a connection file with free ports and a random
 * key, its own process group) and speaks to it over real ZeroMQ. It signs with
 * its own HMAC code, not the kernel's wire.ts, so that a bug there cannot hide
 * behind the same bug here.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import * as zmq from "zeromq";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const CLI = path.join(REPO_ROOT, "dist", "kernel", "cli.js");

export type Channel = "shell" | "control" | "stdin";

export interface Message {
  identities: Buffer[];
  header: { msg_id: string; msg_type: string; session: string; date: string; username: string; version: string };
  parent_header: { msg_id?: string; msg_type?: string };
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Buffer[];
  /** Arrival order over all of the client's sockets. */
  arrival: number;
}

export interface SendOptions {
  /** Overrides the HMAC the client would compute ("" sends the message unsigned). */
  signature?: string;
  buffers?: Buffer[];
}

const DELIMITER = "<IDS|MSG>";

/** The intermediate parent of `viaParent`: starts `node <its arguments>` with its own stdio and lives on. */
const PARENT_SOURCE = `
const kernel = require("node:child_process").spawn(process.execPath, process.argv.slice(1), { stdio: "inherit" });
console.log("kernel-pid " + kernel.pid);
setInterval(() => undefined, 1 << 30);
`;

export class KernelClient {
  readonly key = randomBytes(16).toString("hex");
  readonly session = randomUUID();
  readonly dir = mkdtempSync(path.join(os.tmpdir(), "nnlab-kernel-test-"));
  readonly connectionFile = path.join(this.dir, "kernel.json");
  private child!: ChildProcess;
  private log = "";
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly sockets: Record<Channel, zmq.Dealer> = {
    shell: new zmq.Dealer({ routingId: `shell-${this.session}`, linger: 0 }),
    control: new zmq.Dealer({ linger: 0 }),
    stdin: new zmq.Dealer({ routingId: `shell-${this.session}`, linger: 0 }),
  };
  private readonly iopub = new zmq.Subscriber({ linger: 0 });
  private readonly received: Record<Channel | "iopub", Message[]> = { shell: [], control: [], stdin: [], iopub: [] };
  private readonly waiters = new Set<() => void>();
  private arrivals = 0;
  private readonly problems: string[] = [];
  private ports!: Record<"shell" | "iopub" | "stdin" | "control" | "hb", number>;

  /** Writes the connection file, starts the kernel and waits until it answers on shell and IOPub. */
  static async start(env: NodeJS.ProcessEnv = {}, options: { viaParent?: boolean } = {}): Promise<KernelClient> {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before the kernel tests`);
    const client = new KernelClient();
    await client.launch(env, options.viaParent === true);
    return client;
  }

  /**
   * With `viaParent`, the process the client started is a small node parent that starts the kernel (as a
   * Jupyter server would) and passes it its stdout and stderr; this is the kernel's pid it reported.
   */
  async kernelPid(): Promise<number> {
    await this.logged(/^kernel-pid \d+$/m);
    return Number(/^kernel-pid (\d+)$/m.exec(this.log)?.[1]);
  }

  /** Everything the kernel wrote on stdout and stderr (its log). */
  get output(): string {
    return this.log;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hbEndpoint(): string {
    return `tcp://127.0.0.1:${this.ports.hb}`;
  }

  /** Sends a request; returns its msg_id. */
  send(channel: Channel, msgType: string, content: object, options: SendOptions = {}): string {
    const frames = this.frames(msgType, content, options);
    void this.sockets[channel].send(frames.frames);
    return frames.msgId;
  }

  /** Signed frames of a request, for tests that send them (again) themselves. */
  frames(msgType: string, content: object, options: SendOptions = {}): { msgId: string; frames: Buffer[] } {
    const msgId = randomUUID();
    const header = {
      msg_id: msgId,
      msg_type: msgType,
      session: this.session,
      username: "test",
      date: new Date().toISOString(),
      version: "5.3",
    };
    const parts = [header, {}, {}, content].map((part) => Buffer.from(JSON.stringify(part)));
    const signature = options.signature ?? this.sign(parts);
    return { msgId, frames: [Buffer.from(DELIMITER), Buffer.from(signature), ...parts, ...(options.buffers ?? [])] };
  }

  sendRaw(channel: Channel, frames: Buffer[]): void {
    void this.sockets[channel].send(frames);
  }

  /** The reply to `msgId` on `channel`. */
  reply(channel: Channel, msgId: string, timeoutMs = 30_000): Promise<Message> {
    return this.waitFor(
      channel,
      (m) => m.parent_header.msg_id === msgId,
      `a reply to ${msgId} on ${channel}`,
      timeoutMs,
    );
  }

  /** IOPub messages whose parent is `msgId`, up to and including its `idle` status. */
  async iopubUntilIdle(msgId: string, timeoutMs = 30_000): Promise<Message[]> {
    await this.waitFor(
      "iopub",
      (m) => m.parent_header.msg_id === msgId && m.header.msg_type === "status" && m.content.execution_state === "idle",
      `idle for ${msgId}`,
      timeoutMs,
    );
    return this.received.iopub.filter((m) => m.parent_header.msg_id === msgId);
  }

  /** Executes `code` and returns its reply and IOPub messages. */
  async execute(code: string, content: object = {}): Promise<{ reply: Message; iopub: Message[] }> {
    const id = this.send("shell", "execute_request", executeContent(code, content));
    const reply = await this.reply("shell", id);
    return { reply, iopub: await this.iopubUntilIdle(id) };
  }

  waitFor(
    channel: Channel | "iopub",
    match: (message: Message) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.received[channel].find(match);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        const problems = this.problems.length
          ? `; messages the client could not take: ${this.problems.join("; ")}`
          : "";
        const last = this.received[channel]
          .slice(-5)
          .map((m) => `${m.header.msg_type} (parent ${m.parent_header.msg_id ?? "-"})`);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}${problems}; last on ${channel}: ${last.join(", ") || "nothing"}; kernel log:\n${this.log}`,
          ),
        );
      }, timeoutMs);
      const waiter = () => void check();
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      if (!check()) this.waiters.add(waiter);
    });
  }

  /** Resolves once the kernel's log matches `pattern`. */
  async logged(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.log)) {
      if (Date.now() > deadline) throw new Error(`the kernel log never matched ${pattern}; log:\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * A statement for a cell that creates a marker file when it runs, and a promise that resolves once
   * the file exists: proof that the cell's code is running even while it blocks the kernel's output.
   */
  marker(name: string): { statement: string; reached: Promise<void> } {
    const file = path.join(this.dir, `${name}-${randomUUID()}`);
    const statement = `require("node:fs").writeFileSync(${JSON.stringify(file)}, "");`;
    const reached = (async () => {
      const deadline = Date.now() + 30_000;
      while (!existsSync(file)) {
        if (Date.now() > deadline) throw new Error(`the cell never reached marker ${name}; kernel log:\n${this.log}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    return { statement, reached };
  }

  /** Resolves when the kernel process has exited. */
  exited(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the kernel did not exit within ${timeoutMs} ms`)), timeoutMs);
      this.child.once("exit", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal });
      });
    });
  }

  /** Sends SIGINT to the kernel's process group, as jupyter_client does. */
  interruptBySignal(): void {
    process.kill(-this.pid, "SIGINT");
  }

  /** Closes the sockets, kills the kernel if it still runs and removes the connection file. */
  async close(): Promise<void> {
    for (const socket of [...Object.values(this.sockets), this.iopub]) socket.close();
    if (!this.exitInfo && this.child.pid !== undefined) {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await this.exited().catch(() => undefined);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(env: NodeJS.ProcessEnv, viaParent: boolean): Promise<void> {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    this.ports = { shell, iopub, stdin, control, hb };
    const connection = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      key: this.key,
      signature_scheme: "hmac-sha256",
      kernel_name: "nnlab",
    };
    writeFileSync(this.connectionFile, JSON.stringify(connection));
    const kernelArgs = [CLI, "kernel", "--connection-file", this.connectionFile];
    this.child = spawn(process.execPath, viaParent ? ["-e", PARENT_SOURCE, ...kernelArgs] : kernelArgs, {
      cwd: this.dir,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.on("data", (chunk: Buffer) => (this.log += chunk.toString()));
    this.child.stderr?.on("data", (chunk: Buffer) => (this.log += chunk.toString()));
    this.child.once("exit", (code, signal) => (this.exitInfo = { code, signal }));

    for (const channel of ["shell", "control", "stdin"] as const) {
      this.sockets[channel].connect(`tcp://127.0.0.1:${this.ports[channel]}`);
      void this.pump(channel, this.sockets[channel]);
    }
    this.iopub.connect(`tcp://127.0.0.1:${iopub}`);
    this.iopub.subscribe();
    void this.pump("iopub", this.iopub);
    await this.untilIopubFlows();
  }

  /** IOPub drops what is published before the subscription arrives: ask until a status comes through. */
  private async untilIopubFlows(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const id = this.send("shell", "kernel_info_request", {});
      try {
        await this.waitFor("iopub", (m) => m.parent_header.msg_id === id, "iopub", 500);
        await this.iopubUntilIdle(id);
        return;
      } catch (error) {
        if (this.exitInfo)
          throw new Error(`the kernel exited (${JSON.stringify(this.exitInfo)}); log:\n${this.log}`, { cause: error });
        if (Date.now() > deadline) throw error;
      }
    }
  }

  private async pump(channel: Channel | "iopub", socket: zmq.Dealer | zmq.Subscriber): Promise<void> {
    try {
      for await (const frames of socket) {
        // One bad message must not end the pump: later messages would silently never arrive.
        try {
          const message = this.parse(frames);
          if (!message) continue;
          message.arrival = ++this.arrivals;
          this.received[channel].push(message);
          for (const waiter of [...this.waiters]) waiter();
        } catch (error) {
          this.problems.push(`${channel}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    } catch {
      // socket closed
    }
  }

  /** Messages the client could not take (bad signature, bad JSON), as "channel: reason", in arrival order. */
  get protocolProblems(): readonly string[] {
    return this.problems;
  }

  private parse(frames: Buffer[]): Message | undefined {
    const at = frames.findIndex((frame) => frame.toString() === DELIMITER);
    if (at < 0) return undefined;
    const [signature, ...parts] = frames.slice(at + 1);
    if (signature.toString() !== this.sign(parts.slice(0, 4)))
      throw new Error("the kernel sent a message with a wrong signature");
    const [header, parent, metadata, content] = parts.slice(0, 4).map((part) => JSON.parse(part.toString()) as unknown);
    return {
      identities: frames.slice(0, at),
      header: header as Message["header"],
      parent_header: parent as Message["parent_header"],
      metadata: metadata as Message["metadata"],
      content: content as Message["content"],
      buffers: parts.slice(4),
      arrival: 0,
    };
  }

  /** HMAC-SHA256 of the four JSON frames, hex, as the connection key signs them. */
  sign(parts: Buffer[]): string {
    const hmac = createHmac("sha256", this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }
}

export function executeContent(code: string, content: object = {}): object {
  return {
    code,
    silent: false,
    store_history: true,
    user_expressions: {},
    allow_stdin: false,
    stop_on_error: true,
    ...content,
  };
}

/** IOPub message types in order; status messages as `status:busy` / `status:idle`. */
export function messageTypes(iopub: Message[]): string[] {
  return iopub.map((m) =>
    m.header.msg_type === "status" ? `status:${String(m.content.execution_state)}` : m.header.msg_type,
  );
}

async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    ports.add(
      await new Promise<number>((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
        });
      }),
    );
  }
  return [...ports];
}
