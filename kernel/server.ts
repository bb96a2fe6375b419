/**
 * The protocol server on the main thread: binds shell, IOPub and stdin, runs
 * shell requests one at a time through one dispatch table (ipykernel's
 * kernelbase is the model), and answers the control requests the watchdog
 * hands over. Every request gets busy, then all its output, then idle, on
 * IOPub. Execution itself is the executor's; nothing here runs user code
 * except through it and through comm handlers.
 */
import type { KernelMessage } from "@jupyterlab/services";
import * as zmq from "zeromq";
import { setCommManager } from "../runtime/comm";
import { RequestOutput } from "./cell-output";
import { Outbox, receiveLoop } from "./channels";
import { type CommMessageType, CommRegistry } from "./comm";
import { type ConnectionInfo, endpoint } from "./connection";
import type { CellOutput, ExecuteOptions, ExecuteOutcome, Executor, ExecutorOptions } from "./contracts";
import { History } from "./history";
import { kernelInfoContent } from "./info";
import { describeError, type Log } from "./log";
import { reattachAll, whenSettled } from "./settle";
import { StdinChannel } from "./stdin";
import { later, nextTurn } from "./timers";
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
  loadExecutor(options: ExecutorOptions): Promise<Executor>;
  /** Called once the kernel has shut down and closed its sockets. */
  onExit(code: number): void;
}

/** How long after binding the executor starts loading if no kernel_info came first. */
const EXECUTOR_START_DELAY_MS = 50;
/** How long a shutdown waits for queued replies to go out (and for a termination under way to land). */
const SHUTDOWN_FLUSH_MS = 1000;
/** How long an interrupted cell may take to settle before the server settles it itself. */
const INTERRUPT_GRACE_MS = 2000;

type Channel = "shell" | "control";

interface Request {
  channel: Channel;
  message: WireMessage;
}

/** A handler answers one request; a promise means it finishes later (the request stays busy). */
type Handler = (request: Request) => void | Promise<void>;

/** Put on the shell queue after a failed `stop_on_error` cell: execute requests before it are aborted. */
const STOP_ABORTING = Symbol("stop aborting");

interface RunningCell {
  out: RequestOutput;
  settle(outcome: ExecuteOutcome): void;
}

export class KernelServer {
  private readonly wire: Wire;
  private readonly log: Log;
  private readonly history = new History();
  private readonly comms: CommRegistry;
  private readonly shellQueue: (WireMessage | typeof STOP_ABORTING)[] = [];
  private readonly handlers: Record<string, Handler> = {
    kernel_info_request: (request) => this.kernelInfo(request),
    execute_request: (request) => this.execute(request),
    is_complete_request: (request) => this.isComplete(request),
    complete_request: (request) => this.complete(request),
    inspect_request: (request) => this.inspect(request),
    history_request: (request) => this.historyRequest(request),
    comm_info_request: (request) => this.commInfo(request),
    comm_open: (request) => this.comms.handleOpen(request.message.content, request.message.buffers),
    comm_msg: (request) => this.commMsg(request),
    comm_close: (request) => this.commClose(request),
    shutdown_request: (request) => this.shutdownRequest(request),
    debug_request: (request) => this.debugRequest(request),
  };

  private shell!: zmq.Router;
  private iopub!: zmq.Publisher;
  private stdinSocket!: zmq.Router;
  private shellOut!: Outbox;
  private iopubOut!: Outbox;
  private stdin!: StdinChannel;
  private watchdog!: Watchdog;

  private executor: Executor | undefined;
  private executorReady: Promise<Executor> | undefined;
  private executionCount = 0;
  private busy = false;
  private aborting = false;
  private cell: RunningCell | undefined;
  /** The execute request being handled; `interrupted` when an interrupt came before its cell could start. */
  private currentExecute: { interrupted: boolean } | undefined;
  /** A settled cell waiting for a termination that was already under way (see watchdog.ts). */
  private parked: (() => void) | undefined;
  private inUserCode = false;
  private lastParent: ParentHeader = {};
  private fallback: RequestOutput | undefined;
  private closing = false;
  /** During shutdown: a termination is on its way; exiting before it lands would abort the process. */
  private terminationPending = false;

  private constructor(private readonly options: KernelServerOptions) {
    this.log = options.log;
    this.wire = new Wire({ key: options.connection.key, signatureScheme: options.connection.signatureScheme });
    this.comms = new CommRegistry(
      (msgType, content, buffers) => this.publishComm(msgType, content, buffers),
      (error, what) => this.reportFault(error, what),
    );
  }

  /** Binds every socket of the connection file and starts answering. */
  static async start(options: KernelServerOptions): Promise<KernelServer> {
    const server = new KernelServer(options);
    await server.bind();
    return server;
  }

  /** Shows an error of user code the server called (a comm handler) on the running cell, else the last one. */
  reportFault(error: unknown, origin: string): void {
    this.log.error(`${origin}: ${describeError(error)}`);
    const target: CellOutput | undefined = this.cell?.out ?? this.fallback;
    const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    target?.stream("stderr", `${origin}: ${text}\n`);
  }

  /**
   * Closes every socket (after what is queued has gone out, within half a second), stops the
   * watchdog and calls `onExit`. Timer callbacks only, no promise reactions: the watchdog may still
   * terminate code of the busy cell meanwhile, and that drops queued reactions.
   */
  shutdown(restart: boolean): void {
    if (this.closing) return;
    this.closing = true;
    this.terminationPending = this.watchdog.closing();
    try {
      this.executor?.dispose();
    } catch (error) {
      this.log.warn(`disposing the executor failed: ${describeError(error)}`);
    }
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
    this.shell = new zmq.Router({ linger: 1000 });
    this.iopub = new zmq.Publisher({ linger: 1000 });
    this.stdinSocket = new zmq.Router({ linger: 1000 });
    this.shellOut = new Outbox(this.shell, "shell", this.log);
    this.iopubOut = new Outbox(this.iopub, "iopub", this.log);
    this.stdin = new StdinChannel(this.wire, new Outbox(this.stdinSocket, "stdin", this.log), this.log);
    await Promise.all([
      this.shell.bind(endpoint(connection, "shell")),
      this.iopub.bind(endpoint(connection, "iopub")),
      this.stdinSocket.bind(endpoint(connection, "stdin")),
    ]);
    this.watchdog = await startWatchdog(
      connection,
      this.wire.session,
      {
        interrupt: () => this.onInterrupt(),
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
    setCommManager(this.comms);
    this.publish("status", { execution_state: "starting" }, {});
    receiveLoop(this.shell, "shell", this.log, (frames) => this.onShell(frames));
    receiveLoop(this.stdinSocket, "stdin", this.log, (frames) => {
      const parsed = this.wire.parse(frames);
      if (parsed.ok) this.stdin.handle(parsed.message);
      else this.log.warn(describeWireError(parsed.error, "stdin"));
    });
    later(EXECUTOR_START_DELAY_MS, () => this.loadExecutor());
  }

  private loadExecutor(): Promise<Executor> {
    if (this.executorReady) return this.executorReady;
    let ready: Promise<Executor>;
    try {
      ready = this.options.loadExecutor({ onUserCode: (running) => this.onUserCode(running) });
    } catch (error) {
      ready = Promise.reject(error);
    }
    this.executorReady = ready;
    const started = performance.now();
    whenSettled(
      ready,
      (executor) => {
        this.executor = executor;
        this.log.info(`the TypeScript executor is ready (${Math.round(performance.now() - started)} ms to load)`);
      },
      (error) => this.log.error(`the TypeScript executor failed to start: ${describeError(error)}`),
    );
    return ready;
  }

  private onShell(frames: Buffer[]): void {
    const parsed = this.wire.parse(frames);
    if (!parsed.ok) {
      this.log.warn(describeWireError(parsed.error, "shell"));
      return;
    }
    this.shellQueue.push(parsed.message);
    this.pump();
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

  /** busy, the handler, idle; `done` runs after idle. */
  private handle(request: Request, done: () => void): void {
    const header = request.message.header;
    this.lastParent = header;
    this.publishStatus("busy", header);
    const finish = () => {
      this.publishStatus("idle", header);
      done();
    };
    if (this.aborting && header.msg_type === "execute_request") {
      this.log.info(`aborted ${header.msg_id}: an earlier cell failed with stop_on_error`);
      this.reply(request, "execute_reply", { status: "aborted" }, { status: "aborted" });
      finish();
      return;
    }
    const handler = this.handlers[header.msg_type];
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

  private onControl(message: WireMessage): void {
    this.handle({ channel: "control", message }, () => undefined);
  }

  private reply(request: Request, msgType: string, content: object, metadata: JsonObject = {}): void {
    const { header, identities } = request.message;
    const frames = this.wire.serialize({ msgType, content, parent: header, metadata, identities });
    if (request.channel === "shell") this.shellOut.send(frames);
    else this.watchdog.send(frames);
  }

  private publish(msgType: string, content: object, parent: ParentHeader, buffers?: CommBuffersLike): void {
    const topic = Buffer.from(`kernel.${this.wire.session}.${msgType}`);
    this.iopubOut.send(this.wire.serialize({ msgType, content, parent, buffers, identities: [topic] }));
  }

  private publishStatus(state: KernelMessage.Status, parent: ParentHeader): void {
    this.publish("status", { execution_state: state }, parent);
  }

  private publishComm(msgType: CommMessageType, content: JsonObject, buffers?: CommBuffersLike): void {
    this.publish(msgType, content, this.lastParent, buffers);
  }

  // ---- shell handlers ----

  private kernelInfo(request: Request): void {
    this.reply(request, "kernel_info_reply", kernelInfoContent());
    // The compiler loads once the front end knows the kernel is there.
    nextTurn(() => this.loadExecutor());
  }

  private execute(request: Request): Promise<void> {
    const message = request.message;
    const content = message.content as Partial<KernelMessage.IExecuteRequestMsg["content"]>;
    const code = typeof content.code === "string" ? content.code : "";
    const silent = content.silent === true;
    const storeHistory = !silent && content.store_history !== false;
    const allowStdin = content.allow_stdin !== false;
    const stopOnError = content.stop_on_error !== false;
    if (storeHistory) {
      this.executionCount += 1;
      this.history.add(this.executionCount, code);
    }
    const options: ExecuteOptions = { silent, storeHistory, allowStdin, executionCount: this.executionCount };
    if (!silent) this.publish("execute_input", { code, execution_count: options.executionCount }, message.header);
    const metadata = { started: new Date().toISOString() };
    const out = new RequestOutput(this.outputTarget, message, { silent, allowStdin });

    const current = { interrupted: false };
    this.currentExecute = current;
    return new Promise((resolve) => {
      const finish = (outcome: ExecuteOutcome) => {
        this.currentExecute = undefined;
        this.finishExecute(request, outcome, out, options, content.user_expressions, metadata);
        if (outcome.status === "error" && stopOnError && !silent) this.abortQueue();
        resolve();
      };
      whenSettled(
        this.loadExecutor(),
        (executor) => {
          if (current.interrupted) finish(interruptedOutcome("before it started (the executor was still loading)"));
          else this.runCell(executor, code, out, options, finish);
        },
        (error) =>
          finish({
            status: "error",
            ename: "KernelStartupError",
            evalue: `the TypeScript executor failed to start, so no cell can run; restart the kernel (${String(error)})`,
            traceback: [],
          }),
      );
    });
  }

  private runCell(
    executor: Executor,
    code: string,
    out: RequestOutput,
    options: ExecuteOptions,
    done: (outcome: ExecuteOutcome) => void,
  ): void {
    let settled = false;
    const cell: RunningCell = {
      out,
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        if (this.cell === cell) this.cell = undefined;
        done(outcome);
      },
    };
    this.cell = cell;
    let outcome: Promise<ExecuteOutcome>;
    try {
      outcome = executor.execute(code, out, options);
    } catch (error) {
      outcome = Promise.resolve(crashOutcome(error));
    }
    const ended = (result: ExecuteOutcome) => {
      if (this.cellEnded()) cell.settle(result);
      else this.parked = () => cell.settle(result);
    };
    whenSettled(outcome, ended, (error) => ended(crashOutcome(error)));
  }

  private finishExecute(
    request: Request,
    outcome: ExecuteOutcome,
    out: RequestOutput,
    options: ExecuteOptions,
    userExpressions: unknown,
    metadata: JsonObject,
  ): void {
    const header = request.message.header;
    const executionCount = options.executionCount;
    if (!options.silent) {
      this.fallback = out;
      this.executor?.setFallbackOutput(out);
    }
    if (outcome.status === "error") {
      const { ename, evalue, traceback } = outcome;
      if (!options.silent) this.publish("error", { ename, evalue, traceback }, header);
      this.reply(
        request,
        "execute_reply",
        { status: "error", execution_count: executionCount, ename, evalue, traceback, user_expressions: {}, payload: [] },
        { ...metadata, status: "error" },
      );
      return;
    }
    if (outcome.result && !options.silent) {
      const { bundle, metadata: resultMetadata } = outcome.result;
      this.publish("execute_result", { execution_count: executionCount, data: bundle, metadata: resultMetadata }, header);
      if (options.storeHistory) this.history.setOutput(executionCount, bundle["text/plain"]);
    }
    const payload = out.pages.map((bundle) => ({ source: "page", data: bundle, start: 0 }));
    this.reply(
      request,
      "execute_reply",
      {
        status: "ok",
        execution_count: executionCount,
        user_expressions: this.evaluateUserExpressions(userExpressions),
        payload,
      },
      { ...metadata, status: "ok" },
    );
  }

  private evaluateUserExpressions(expressions: unknown): JsonObject {
    const results: JsonObject = {};
    if (typeof expressions !== "object" || expressions === null || !this.executor) return results;
    for (const [name, expression] of Object.entries(expressions)) {
      try {
        results[name] = this.executor.evaluateExpression(String(expression));
      } catch (error) {
        results[name] = { status: "error", ...crashDetails(error) };
      }
    }
    return results;
  }

  /** As ipykernel: execute requests that are already waiting are answered `aborted`, later ones run. */
  private abortQueue(): void {
    this.aborting = true;
    // One event-loop turn lets ZeroMQ deliver what the client sent before it saw the error.
    nextTurn(() => {
      this.shellQueue.push(STOP_ABORTING);
      this.pump();
    });
  }

  private isComplete(request: Request): Promise<void> {
    const code = stringField(request.message.content, "code");
    return this.withExecutor((executor) => {
      const result = executor.isComplete(code);
      const content =
        result.status === "incomplete" ? { status: result.status, indent: result.indent ?? "" } : { status: result.status };
      this.reply(request, "is_complete_reply", content);
    }, request, "is_complete_reply");
  }

  private complete(request: Request): Promise<void> {
    const code = stringField(request.message.content, "code");
    const cursor = numberField(request.message.content, "cursor_pos", [...code].length);
    return this.withExecutor((executor) => {
      const result = executor.complete(code, cursor);
      this.reply(request, "complete_reply", {
        status: "ok",
        matches: result.matches,
        cursor_start: result.cursorStart,
        cursor_end: result.cursorEnd,
        metadata: result.metadata,
      });
    }, request, "complete_reply");
  }

  private inspect(request: Request): Promise<void> {
    const code = stringField(request.message.content, "code");
    const cursor = numberField(request.message.content, "cursor_pos", [...code].length);
    const detail = numberField(request.message.content, "detail_level", 0);
    return this.withExecutor((executor) => {
      const result = executor.inspect(code, cursor, detail);
      this.reply(request, "inspect_reply", {
        status: "ok",
        found: result.found,
        data: result.found && result.bundle ? result.bundle : {},
        metadata: {},
      });
    }, request, "inspect_reply");
  }

  /** Runs `use` once the executor is there; an executor failure becomes an error reply of `replyType`. */
  private withExecutor(use: (executor: Executor) => void, request: Request, replyType: string): Promise<void> {
    return new Promise((resolve) => {
      whenSettled(
        this.loadExecutor(),
        (executor) => {
          use(executor);
          resolve();
        },
        (error) => {
          this.reply(request, replyType, {
            status: "error",
            ename: "KernelStartupError",
            evalue: `the TypeScript executor failed to start; restart the kernel (${String(error)})`,
            traceback: [],
          });
          resolve();
        },
      );
    });
  }

  private historyRequest(request: Request): void {
    const content = request.message.content;
    const output = content.output === true;
    const n = numberField(content, "n", 0);
    let history;
    switch (content.hist_access_type) {
      case "range":
        history = this.history.range(
          numberField(content, "session", 0),
          numberField(content, "start", 0),
          numberField(content, "stop", 0),
          output,
        );
        break;
      case "search":
        history = this.history.search(stringField(content, "pattern") || "*", n, content.unique === true, output);
        break;
      default:
        history = this.history.tail(n, output);
    }
    this.reply(request, "history_reply", { status: "ok", history });
  }

  private commInfo(request: Request): void {
    const target = request.message.content.target_name;
    this.reply(request, "comm_info_reply", {
      status: "ok",
      comms: this.comms.info(typeof target === "string" ? target : undefined),
    });
  }

  private commMsg(request: Request): void {
    if (!this.comms.handleMsg(request.message.content, request.message.buffers)) {
      this.log.warn(`a comm_msg for comm ${String(request.message.content.comm_id)}, which is not open`);
    }
  }

  private commClose(request: Request): void {
    if (!this.comms.handleClose(request.message.content)) {
      this.log.warn(`a comm_close for comm ${String(request.message.content.comm_id)}, which is not open`);
    }
  }

  private shutdownRequest(request: Request): void {
    const restart = request.message.content.restart === true;
    const content = { status: "ok", restart };
    this.reply(request, "shutdown_reply", content);
    this.publish("shutdown_reply", content, request.message.header);
    this.shutdown(restart);
  }

  private debugRequest(request: Request): void {
    this.reply(request, "debug_reply", {
      status: "error",
      ename: "DebuggingNotSupported",
      evalue: "nnlab does not support the Jupyter debugger (kernel_info_reply says debugger: false)",
      traceback: [],
    });
  }

  // ---- interrupts ----

  /** From the executor: user JavaScript starts (true) or its synchronous part returned (false). */
  private onUserCode(running: boolean): void {
    if (this.closing) return;
    this.inUserCode = running;
    if (running) this.watchdog.cellStarted();
    else if (!this.cell) this.watchdog.cellEnded();
  }

  /** A settled cell may leave the RUNNING state unless user code still runs synchronously. */
  private cellEnded(): boolean {
    return this.inUserCode || this.watchdog.cellEnded();
  }

  /** The watchdog stopped the running JavaScript (or found none): settle the cell as interrupted. */
  private onInterrupt(): void {
    this.terminationPending = false;
    if (this.closing) return;
    this.watchdog.terminationDone();
    this.inUserCode = false;
    if (!this.watchdog.takeInterrupt()) {
      // A second notice of an interrupt already handled: its termination only dropped reactions.
      reattachAll();
      return;
    }
    this.stdin.cancel("the cell was interrupted while it waited for input");
    try {
      this.executor?.interrupt();
    } catch (error) {
      this.log.error(`executor.interrupt() failed: ${describeError(error)}`);
    }
    reattachAll();
    const parked = this.parked;
    this.parked = undefined;
    if (parked) {
      parked();
      return;
    }
    const cell = this.cell;
    if (!cell) {
      if (this.currentExecute) this.currentExecute.interrupted = true;
      return;
    }
    later(INTERRUPT_GRACE_MS, () => {
      if (this.cell !== cell) return;
      this.log.warn(`the interrupted cell did not settle within ${INTERRUPT_GRACE_MS} ms; answering it as interrupted`);
      cell.settle(interruptedOutcome("and did not stop by itself"));
    });
  }

  private readonly outputTarget = {
    publish: (msgType: string, content: object, request: WireMessage) => this.publish(msgType, content, request.header),
    input: (prompt: string, password: boolean, request: WireMessage) => this.stdin.request(prompt, password, request),
  };
}

type CommBuffersLike = readonly (ArrayBuffer | ArrayBufferView)[];

function crashDetails(error: unknown): { ename: string; evalue: string; traceback: string[] } {
  const ename = error instanceof Error ? error.name : "Error";
  const evalue = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error && error.stack ? error.stack.split("\n") : [`${ename}: ${evalue}`];
  return { ename, evalue, traceback: stack };
}

function interruptedOutcome(when: string): ExecuteOutcome {
  const evalue = `the cell was interrupted ${when}`;
  return { status: "error", ename: "InterruptError", evalue, traceback: [`InterruptError: ${evalue}`] };
}

/** An executor that threw instead of returning an error outcome: still a clean error reply. */
function crashOutcome(error: unknown): ExecuteOutcome {
  return { status: "error", ...crashDetails(error) };
}

function stringField(content: JsonObject, name: string): string {
  const value = content[name];
  return typeof value === "string" ? value : "";
}

function numberField(content: JsonObject, name: string, fallback: number): number {
  const value = content[name];
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
