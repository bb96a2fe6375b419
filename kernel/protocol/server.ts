/**
 * The protocol server on the main thread: binds shell, IOPub and stdin, runs
 * shell requests one at a time through the dispatch table in handlers/, and
 * answers the control requests the watchdog hands over. Every request gets
 * busy, then all its output, then idle, on IOPub. Execution itself is the
 * executor's (through cells.ts); nothing here runs user code.
 */
import type { KernelMessage } from "@jupyterlab/services";
import * as zmq from "zeromq";
import { type CommBuffers, setCommManager } from "../../runtime/comm";
import type { OutputTarget } from "./cell_output";
import { Cells } from "./cells";
import { Outbox, receiveLoop } from "./channels";
import { CommRegistry } from "./comm";
import { type ConnectionInfo, endpoint } from "./connection";
import { SharedDigestHistory } from "./digest_history";
import type { Executor, ExecutorOptions } from "../contracts";
import { type Handler, type KernelContext, type Request, requestHandlers } from "./handlers";
import { History } from "./history";
import { describeError, type Log } from "../log";
import { messageLimit } from "./message_limit";
import type { Content, MessageType } from "./messages";
import { whenSettled } from "./settle";
import { StdinChannel } from "./stdin";
import { later } from "./timers";
import { startWatchdog, type Watchdog } from "./watchdog";
import { describeWireError, type JsonObject, type ParentHeader, Wire, type WireMessage } from "./wire";

export interface KernelServerOptions {
  connection: ConnectionInfo;
  log: Log;
  /**
   * Creates the executor. The server calls it once the first kernel_info is
   * answered (or shortly after binding), so that loading the compiler never
   * delays that first answer; execute requests wait for it.
   */
  loadExecutor: (options: ExecutorOptions) => Promise<Executor>;
  /** Called once the kernel has shut down and closed its sockets. */
  onExit(code: number): void;
}

/** How long after binding the executor starts loading if no kernel_info came first. */
const EXECUTOR_START_DELAY_MS = 50;
/** How long a shutdown waits for queued replies to go out (and for a termination under way to land). */
const SHUTDOWN_FLUSH_MS = 1000;

/** Put on the shell queue after a failed `stop_on_error` cell: execute requests before it are aborted. */
const STOP_ABORTING = Symbol("stop aborting");

/**
 * Comm messages that are handled when they arrive even while a cell runs (at its next `await`, between the
 * batches of `fit`), so that a widget's Stop button or slider reaches code that is still running.
 */
const WHILE_BUSY = new Set(["comm_open", "comm_msg", "comm_close"]);

/** Frames larger than this are refused by ZeroMQ on every socket that reads from peers (message_limit.ts). */
const MESSAGE_LIMIT = messageLimit();

export class KernelServer {
  private readonly wire: Wire;
  /** One replay history for every channel, shared with the watchdog's thread. */
  private readonly digests = new SharedDigestHistory();
  private readonly log: Log;
  private readonly shellQueue: (WireMessage | typeof STOP_ABORTING)[] = [];
  private readonly shell = new zmq.Router({ linger: 1000, maxMessageSize: MESSAGE_LIMIT.bytes });
  private readonly iopub = new zmq.Publisher({ linger: 1000, maxMessageSize: MESSAGE_LIMIT.bytes });
  private readonly stdinSocket = new zmq.Router({ linger: 1000, maxMessageSize: MESSAGE_LIMIT.bytes });
  private readonly shellOut: Outbox;
  private readonly iopubOut: Outbox;
  private readonly stdin: StdinChannel;
  private readonly comms: CommRegistry;
  private watchdog!: Watchdog;
  private cells!: Cells;
  private handlers: Record<string, Handler> | undefined;

  private busy = false;
  private aborting = false;
  /** After a failed stop_on_error cell, until ZeroMQ has handed over what it held. */
  private abortUntilDrained = false;
  private lastParent: ParentHeader = {};
  /** The comm message being handled while a cell runs: what its handlers send is its child. */
  private commParent: ParentHeader | undefined;
  private closing = false;
  /** During shutdown: a termination is on its way; exiting before it lands would abort the process. */
  private terminationPending = false;

  private constructor(private readonly options: KernelServerOptions) {
    this.log = options.log;
    this.wire = new Wire({
      key: options.connection.key,
      signatureScheme: options.connection.signatureScheme,
      history: this.digests,
    });
    this.shellOut = new Outbox(this.shell, "shell", this.log);
    this.iopubOut = new Outbox(this.iopub, "iopub", this.log);
    this.stdin = new StdinChannel(this.wire, new Outbox(this.stdinSocket, "stdin", this.log), this.log);
    this.comms = new CommRegistry(
      (msgType, content, buffers, metadata) =>
        this.publish(msgType, content, this.commParent ?? this.lastParent, buffers, metadata),
      (error, what) => this.reportFault(error, what),
    );
  }

  /** Binds every socket of the connection file and starts answering. */
  static async start(options: KernelServerOptions): Promise<KernelServer> {
    const server = new KernelServer(options);
    if (MESSAGE_LIMIT.problem) options.log.warn(MESSAGE_LIMIT.problem);
    await server.bind();
    return server;
  }

  /** Shows an error of user code the server called (a comm handler) on the running cell, else the last one. */
  reportFault(error: unknown, origin: string): void {
    this.log.error(`${origin}: ${describeError(error)}`);
    const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    this.cells.output?.stream("stderr", `${origin}: ${text}\n`);
  }

  /**
   * Closes every socket (after what is queued has gone out), stops the watchdog and calls `onExit`.
   * Timer callbacks only, no promise reactions: a termination of the busy cell may still land
   * meanwhile, and that drops queued reactions.
   */
  shutdown(restart: boolean): void {
    if (this.closing) return;
    this.closing = true;
    this.terminationPending = this.cells.close();
    setCommManager(null);
    const deadline = Date.now() + SHUTDOWN_FLUSH_MS;
    const close = () => {
      const waiting = this.terminationPending || !(this.shellOut.empty && this.iopubOut.empty);
      if (waiting && Date.now() < deadline) {
        later(10, close);
        return;
      }
      this.shell.close();
      this.iopub.close();
      this.stdinSocket.close();
      this.log.info(restart ? "shut down for a restart" : "shut down");
      this.watchdog.stop(() => this.options.onExit(0));
    };
    close();
  }

  private async bind(): Promise<void> {
    const { connection } = this.options;
    await Promise.all([
      this.shell.bind(endpoint(connection, "shell")),
      this.iopub.bind(endpoint(connection, "iopub")),
      this.stdinSocket.bind(endpoint(connection, "stdin")),
    ]);
    this.watchdog = await startWatchdog(
      connection,
      this.wire.session,
      this.digests.buffer,
      {
        interrupt: () => {
          this.terminationPending = false;
          this.cells.interrupt();
        },
        control: (message) => this.onControl(message),
        handled: (request, reply) => {
          this.publishStatus("busy", request);
          if (reply) this.publish(reply.msgType, reply.content, request);
          this.publishStatus("idle", request);
        },
        shutdown: (restart) => this.shutdown(restart),
      },
      this.log,
    );
    this.cells = new Cells(this.watchdog, this.options.loadExecutor, this.log, () =>
      this.stdin.cancel("the cell was interrupted while it waited for input"),
    );
    this.handlers = requestHandlers(this.context());
    setCommManager(this.comms);
    this.publish("status", { execution_state: "starting" }, {});
    receiveLoop(this.shell, "shell", this.log, (frames) => this.onShell(frames));
    receiveLoop(this.stdinSocket, "stdin", this.log, (frames) => {
      const parsed = this.wire.parse(frames);
      if (parsed.ok) this.stdin.handle(parsed.message);
      else this.log.warn(describeWireError(parsed.error, "stdin"));
    });
    later(EXECUTOR_START_DELAY_MS, () => void this.cells.load());
  }

  private context(): KernelContext {
    const output: OutputTarget = {
      publish: (msgType, content, request) => this.publish(msgType, content, request.header),
      input: (prompt, password, request) => this.stdin.request(prompt, password, request),
    };
    return {
      log: this.log,
      cells: this.cells,
      history: new History(),
      comms: this.comms,
      output,
      reply: (request, msgType, content, metadata) => this.reply(request, msgType, content, metadata),
      publish: (msgType, content, parent) => this.publish(msgType, content, parent),
      abortQueue: () => this.abortQueue(),
      shutdown: (restart) => this.shutdown(restart),
    };
  }

  /** A control request the watchdog passed on; one that came before the table exists waits a moment. */
  private onControl(message: WireMessage): void {
    if (this.handlers) this.handle({ channel: "control", message }, () => undefined);
    else later(10, () => this.onControl(message));
  }

  private onShell(frames: Buffer[]): void {
    const parsed = this.wire.parse(frames);
    if (!parsed.ok) {
      this.log.warn(describeWireError(parsed.error, "shell"));
      return;
    }
    if (this.busy && this.lastParent.msg_type === "execute_request" && WHILE_BUSY.has(parsed.message.header.msg_type)) {
      this.handleWhileBusy(parsed.message);
      return;
    }
    this.shellQueue.push(parsed.message);
    this.stopAbortingOnceDrained();
    this.pump();
  }

  /**
   * A comm message while a cell runs: handled now, in arrival order with the other comm messages (it may
   * pass execute requests still queued, never one of its own kind). It gets its own busy and idle, which
   * widget managers wait for before they send the next update; then busy again for the running cell, so a
   * front end's status shows the kernel still busy. Comm handlers are synchronous.
   */
  private handleWhileBusy(message: WireMessage): void {
    const running = this.lastParent;
    this.publishStatus("busy", message.header);
    this.commParent = message.header;
    try {
      void this.handlers?.[message.header.msg_type]({ channel: "shell", message });
    } catch (error) {
      this.log.error(`the ${message.header.msg_type} handler failed: ${describeError(error)}`);
    } finally {
      this.commParent = undefined;
    }
    this.publishStatus("idle", message.header);
    this.publishStatus("busy", running);
  }

  /** Runs the next queued shell request unless one is running. */
  private pump(): void {
    while (!this.busy && !this.closing) {
      const next = this.shellQueue.shift();
      if (next === undefined) return;
      if (next === STOP_ABORTING) {
        this.aborting = false;
        continue;
      }
      this.busy = true;
      this.handle({ channel: "shell", message: next }, () => {
        this.busy = false;
        this.pump();
      });
    }
  }

  /**
   * As ipykernel: execute requests already waiting are answered `aborted`, those queued here and
   * those ZeroMQ still holds (a cell that blocked the thread leaves them there); later ones run.
   */
  private abortQueue(): void {
    this.aborting = true;
    this.abortUntilDrained = true;
    this.stopAbortingOnceDrained();
  }

  /** Ends the abort window once ZeroMQ holds no more shell messages. */
  private stopAbortingOnceDrained(): void {
    if (!this.abortUntilDrained || this.shell.readable) return;
    this.abortUntilDrained = false;
    this.shellQueue.push(STOP_ABORTING);
  }

  /** busy, the handler, idle; `done` runs after idle. */
  private handle(request: Request, done: () => void): void {
    const header = request.message.header;
    this.lastParent = header;
    this.publishStatus("busy", header);
    const finish = () => {
      if (header.msg_type === "execute_request") this.log.debug(`execute ${header.msg_id} done: idle`);
      this.publishStatus("idle", header);
      done();
    };
    if (this.aborting && header.msg_type === "execute_request") {
      this.log.info(`aborted ${header.msg_id}: an earlier cell failed with stop_on_error`);
      this.reply(request, "execute_reply", { status: "aborted" }, { status: "aborted" });
      finish();
      return;
    }
    // An own property only: a message type such as "constructor" must not reach Object.prototype.
    const handler =
      this.handlers && Object.hasOwn(this.handlers, header.msg_type) ? this.handlers[header.msg_type] : undefined;
    if (!handler) {
      this.log.warn(`ignored a ${header.msg_type} on ${request.channel}: no handler for this message type`);
      finish();
      return;
    }
    let result: void | Promise<void>;
    try {
      result = handler(request);
    } catch (error) {
      this.log.error(`the ${header.msg_type} handler failed: ${describeError(error)}`);
      finish();
      return;
    }
    if (!result) {
      finish();
      return;
    }
    whenSettled(result, finish, (error) => {
      this.log.error(`the ${header.msg_type} handler failed: ${describeError(error)}`);
      finish();
    });
  }

  private reply<T extends MessageType>(
    request: Request,
    msgType: T,
    content: Content<T>,
    metadata: JsonObject = {},
  ): void {
    const { header, identities } = request.message;
    const frames = this.wire.serialize({ msgType, content, parent: header, metadata, identities });
    if (request.channel === "shell") this.shellOut.send(frames);
    else this.watchdog.send(frames);
  }

  private publish<T extends MessageType>(
    msgType: T,
    content: Content<T>,
    parent: ParentHeader,
    buffers?: CommBuffers,
    metadata?: JsonObject,
  ): void {
    const topic = Buffer.from(`kernel.${this.wire.session}.${msgType}`);
    this.iopubOut.send(this.wire.serialize({ msgType, content, parent, buffers, metadata, identities: [topic] }));
  }

  private publishStatus(state: KernelMessage.Status, parent: ParentHeader): void {
    this.publish("status", { execution_state: state }, parent);
  }
}
