/**
 * The watchdog: a worker thread that owns the heartbeat and control sockets,
 * so that both answer while the main thread is stuck in a cell's synchronous
 * loop, and that stops such a loop on an interrupt.
 *
 * Stopping uses V8's terminateExecution through an inspector session on the
 * main thread. That is safe only while a cell's code runs inside a microtask
 * (the executor guarantees it), so the two threads share one Int32 cell state
 * and the worker terminates only when it can move that state from RUNNING to
 * TERMINATING. The main thread moves RUNNING to IDLE when a cell settles; if
 * it finds TERMINATING instead, a termination is on its way and it waits for
 * the `interrupt` message, which the worker sends once V8 has terminated.
 *
 * An interrupt is first only posted: a main thread that comes back to its
 * event loop (the cell awaits, or `fit` is between batches) takes the notice
 * and settles the cell with nothing terminated. Only a thread that stays busy
 * for TERMINATE_AFTER_MS (a synchronous loop, a long kernel call, a busy loop
 * right after a long compile) has its JavaScript terminated, so one interrupt
 * is always enough. Terminating at once, as this did before, stopped whatever
 * JavaScript the main thread ran next when the cell was awaiting: often the
 * kernel's own, such as ZeroMQ's completion of an IOPub send, after which that
 * socket sent nothing more (the cell's idle status never arrived). Taking a
 * notice moves RUNNING to IDLE first, so the worker cannot terminate the
 * thread while it handles the notice.
 *
 * This file is both ends: `startWatchdog` runs on the main thread, and the
 * same module, loaded as the worker, runs `runWorker`.
 */
import inspector from "node:inspector";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import type { ConnectionInfo } from "./connection";
import { endpoint } from "./connection";
import { SharedDigestHistory } from "./digest_history";
import { createLog, describeError, type Log } from "../log";
import { messageLimit } from "./message_limit";
import type { Content, MessageType } from "./messages";
import { watchParent } from "./parent_watch";
import { later } from "./timers";
import { describeWireError, type Header, type WireMessage, Wire } from "./wire";

/** What the main thread hears from the watchdog. */
/** The shutdown_reply the watchdog sent on control, for the main thread to publish on IOPub. */
interface ShutdownReply {
  msgType: "shutdown_reply";
  content: Content<"shutdown_reply">;
}

export interface WatchdogEvents {
  /** JavaScript of the running cell (if any) has been stopped: settle the cell with an InterruptError. */
  interrupt(): void;
  /** A control request the watchdog does not answer itself (kernel_info, debug): answer with `send`. */
  control(message: WireMessage): void;
  /** The watchdog has answered a request on control; publish busy/idle for it on IOPub. */
  handled(request: Header, reply?: ShutdownReply): void;
  /** Shut down: the reply is sent (and published through `handled`) already. */
  shutdown(restart: boolean): void;
}

export interface Watchdog {
  /** A cell's code is about to run: from now on an interrupt terminates JavaScript. */
  cellStarted(): void;
  /** The cell settled. False when a termination is already on its way: wait for `interrupt`. */
  cellEnded(): boolean;
  /**
   * Called on `interrupt`, first: from now on the worker terminates nothing. "wait" when a termination is
   * already on its way (its own notice follows: handle that one); "running" when a cell's code could be
   * terminated until now (give that back with `resumeRunning` if the notice is a repeated one).
   */
  receiveNotice(): "wait" | "running" | "idle";
  /** After a repeated notice took RUNNING away from a live cell: it may be terminated again. */
  resumeRunning(): void;
  /** True once per interrupt the user asked for; false for a repeated notice of the same one. */
  takeInterrupt(): boolean;
  /** No more terminations from now on. True when one is still on its way (an `interrupt` will follow). */
  closing(): boolean;
  /** Sends signed frames on the control socket. */
  send(frames: Buffer[]): void;
  /** Closes the watchdog's sockets and its inspector session; `then` runs once they are closed. */
  stop(then: () => void): void;
}

/** Slots of the shared Int32Array. */
const STATE = 0;
const REQUESTED = 1;
const TAKEN = 2;
/** Values of the STATE slot. */
const IDLE = 0;
const RUNNING = 1;
const TERMINATING = 2;
/** Shutting down: nothing is terminated any more, so that exiting is never cut short. */
const CLOSING = 3;
/** V8 has terminated the main thread's JavaScript; the notice saying so is on its way to main. */
const TERMINATED = 4;
/** A main thread that has not exited this long after a shutdown_request is stuck in user code: kill it. */
const SHUTDOWN_KILL_MS = 1500;
/** How long main waits for the watchdog to close before exiting anyway. */
const STOP_TIMEOUT_MS = 500;
/** How often the worker looks whether main has taken an interrupt's notice. */
const WATCH_INTERVAL_MS = 20;
/** How long main may take to come back to its event loop and take an interrupt's notice before its JavaScript is terminated. */
const TERMINATE_AFTER_MS = 200;

interface WorkerConfig {
  control: string;
  heartbeat: string;
  key: string;
  signatureScheme: string;
  session: string;
  cellState: SharedArrayBuffer;
  /** The main thread's replay history (see digest_history.ts). */
  digests: SharedArrayBuffer;
}

type ToMain =
  | { kind: "interrupt" }
  | { kind: "control"; message: WireMessage }
  | { kind: "handled"; request: Header; reply?: ShutdownReply }
  | { kind: "shutdown"; restart: boolean }
  | { kind: "failed"; error: string };

type ToWorker = { kind: "send"; frames: Uint8Array[] } | { kind: "stop" };

/** Starts the worker; resolves once its sockets are bound. */
export function startWatchdog(
  connection: ConnectionInfo,
  session: string,
  digests: SharedArrayBuffer,
  events: WatchdogEvents,
  log: Log,
): Promise<Watchdog> {
  const cellState = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
  const state = new Int32Array(cellState);
  const config: WorkerConfig = {
    control: endpoint(connection, "control"),
    heartbeat: endpoint(connection, "hb"),
    key: connection.key,
    signatureScheme: connection.signatureScheme,
    session,
    cellState,
    digests,
  };
  const worker = new Worker(__filename, { workerData: config });
  const watchdog: Watchdog = {
    cellStarted: () => Atomics.store(state, STATE, RUNNING),
    cellEnded: () => {
      const was = Atomics.compareExchange(state, STATE, RUNNING, IDLE);
      return was !== TERMINATING && was !== TERMINATED;
    },
    receiveNotice() {
      const was = Atomics.compareExchange(state, STATE, RUNNING, IDLE);
      if (was === RUNNING) return "running";
      if (was === TERMINATING) return "wait";
      Atomics.compareExchange(state, STATE, TERMINATED, IDLE);
      return "idle";
    },
    resumeRunning: () => void Atomics.compareExchange(state, STATE, IDLE, RUNNING),
    closing: () => Atomics.exchange(state, STATE, CLOSING) === TERMINATING,
    takeInterrupt() {
      const requested = Atomics.load(state, REQUESTED);
      return Atomics.exchange(state, TAKEN, requested) !== requested;
    },
    send: (frames) => worker.postMessage({ kind: "send", frames } satisfies ToWorker),
    stop(then) {
      // A process that exits with the inspector session still attached waits for it, then aborts.
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        then();
      };
      worker.once("exit", finish);
      later(STOP_TIMEOUT_MS, finish);
      worker.postMessage({ kind: "stop" } satisfies ToWorker);
    },
  };
  return new Promise((resolve, reject) => {
    let ready = false;
    worker.on("message", (message: ToMain | "ready") => {
      if (message === "ready") {
        ready = true;
        resolve(watchdog);
        return;
      }
      switch (message.kind) {
        case "interrupt":
          return events.interrupt();
        case "control":
          return events.control(revive(message.message));
        case "handled":
          return events.handled(message.request, message.reply);
        case "shutdown":
          return events.shutdown(message.restart);
        case "failed":
          if (!ready) reject(new Error(message.error));
          else log.error(`watchdog: ${message.error}`);
      }
    });
    worker.on("error", (error) => {
      log.error(
        `the watchdog thread failed; heartbeat, control and interrupts no longer work: ${describeError(error)}`,
      );
      if (!ready) reject(error);
    });
  });
}

/** Buffers cross the thread boundary as plain Uint8Arrays. */
function revive(message: WireMessage): WireMessage {
  const buffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ...message, identities: message.identities.map(buffer), buffers: message.buffers.map(buffer) };
}

async function runWorker(config: WorkerConfig): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (message: ToMain) => port.postMessage(message);
  const log = createLog("watchdog");
  const state = new Int32Array(config.cellState);
  const wire = new Wire({
    key: config.key,
    signatureScheme: config.signatureScheme,
    session: config.session,
    history: new SharedDigestHistory(config.digests),
  });
  // A router, as ipykernel's heartbeat: it echoes any frames back to their sender, where a REP socket
  // stops for good on a message without an envelope (a DEALER's single frame).
  const maxMessageSize = messageLimit().bytes;
  const heartbeat = new zmq.Router({ linger: 0, maxMessageSize });
  const control = new zmq.Router({ linger: 1000, maxMessageSize });
  try {
    await heartbeat.bind(config.heartbeat);
    await control.bind(config.control);
  } catch (error) {
    post({ kind: "failed", error: `cannot bind the heartbeat or control socket: ${describeError(error)}` });
    return;
  }
  const mainThread = new inspector.Session();
  mainThread.connectToMainThread();
  let sending = Promise.resolve();
  const sendControl = (frames: Buffer[]) => {
    sending = sending
      .then(() => control.send(frames))
      .catch((error: unknown) => {
        log.warn(`could not send on control: ${describeError(error)}`);
      });
    return sending;
  };

  /** Stops the main thread's JavaScript if a cell runs, then tells main (which settles the cell). */
  const stopCell = (then: ToMain) => {
    if (terminate(then)) return;
    const now = Atomics.load(state, STATE);
    if (now === IDLE || (then.kind === "shutdown" && now !== CLOSING)) post(then);
  };
  /** Moves RUNNING to TERMINATING and terminates; false when no cell code runs (or one is being stopped). */
  const terminate = (then: ToMain): boolean => {
    if (Atomics.compareExchange(state, STATE, RUNNING, TERMINATING) !== RUNNING) return false;
    log.debug(`terminating the main thread's JavaScript for ${then.kind}`);
    mainThread.post("Runtime.terminateExecution", (error) => {
      if (error) log.warn(`terminateExecution failed: ${describeError(error)}`);
      else log.debug("terminateExecution done");
      Atomics.compareExchange(state, STATE, TERMINATING, TERMINATED);
      if (then.kind === "shutdown") post({ kind: "interrupt" });
      post(then);
    });
    return true;
  };
  /** Posts the notice; terminates the cell's code only if main has not taken it within TERMINATE_AFTER_MS. */
  const interrupt = () => {
    Atomics.add(state, REQUESTED, 1);
    post({ kind: "interrupt" });
    const posted = Date.now();
    const timer = setInterval(() => {
      if (Atomics.load(state, TAKEN) === Atomics.load(state, REQUESTED)) clearInterval(timer);
      else if (Date.now() - posted >= TERMINATE_AFTER_MS && terminate({ kind: "interrupt" })) clearInterval(timer);
    }, WATCH_INTERVAL_MS);
  };

  const shutdown = (restart: boolean) => {
    // Main exits on `shutdown`; if its thread never comes back, do not leave a stray process behind.
    setTimeout(() => process.kill(process.pid, "SIGKILL"), SHUTDOWN_KILL_MS);
    stopCell({ kind: "shutdown", restart });
  };

  const onControl = async (frames: Buffer[]) => {
    const parsed = wire.parse(frames);
    if (!parsed.ok) {
      log.warn(describeWireError(parsed.error, "control"));
      return;
    }
    const message = parsed.message;
    const reply = <T extends MessageType>(msgType: T, content: Content<T>) =>
      sendControl(wire.serialize({ msgType, content, parent: message.header, identities: message.identities }));
    switch (message.header.msg_type) {
      case "interrupt_request": {
        await reply("interrupt_reply", { status: "ok" });
        post({ kind: "handled", request: message.header });
        interrupt();
        return;
      }
      case "shutdown_request": {
        const restart = message.content.restart === true;
        const content: Content<"shutdown_reply"> = { status: "ok", restart };
        await reply("shutdown_reply", content);
        post({ kind: "handled", request: message.header, reply: { msgType: "shutdown_reply", content } });
        shutdown(restart);
        return;
      }
      default:
        post({ kind: "control", message });
    }
  };

  port.on("message", (message: ToWorker) => {
    if (message.kind === "send") {
      void sendControl(message.frames.map((bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    } else {
      heartbeat.close();
      control.close();
      mainThread.disconnect();
      process.exit(0);
    }
  });
  listenForSigint(interrupt, log);
  watchParent((reason) => {
    log.warn(`${reason}: shutting down`);
    shutdown(false);
  });
  port.postMessage("ready");

  void (async () => {
    for await (const frames of heartbeat) {
      await heartbeat
        .send(frames)
        .catch((error: unknown) => log.warn(`could not echo a heartbeat: ${describeError(error)}`));
    }
  })().catch((error: unknown) => {
    if (!heartbeat.closed) log.error(`heartbeat stopped: ${describeError(error)}`);
  });
  for await (const frames of control) {
    await onControl(frames).catch((error: unknown) => log.error(`control request failed: ${describeError(error)}`));
  }
}

interface SignalHandle {
  onsignal: (signal: number) => void;
  start(signal: number): number;
  unref(): void;
}

/**
 * Jupyter interrupts with SIGINT to the kernel's process group. A worker cannot
 * use process.on("SIGINT"), but libuv's signal handle (Node's internal
 * signal_wrap binding) works from here and sees the signal while the main
 * thread is blocked. The binding is deprecated (DEP0111, a warning only under
 * --pending-deprecation); that one warning is silenced for this one call.
 */
function listenForSigint(onSigint: () => void, log: Log): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be called with .call(process) and put back
  const emitWarning = process.emitWarning;
  let binding: { Signal: new () => SignalHandle };
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const code = typeof rest[0] === "object" && rest[0] !== null ? (rest[0] as { code?: string }).code : rest[1];
    if (code === "DEP0111") return;
    Reflect.apply(emitWarning, process, [warning, ...rest]);
  };
  try {
    binding = (process as unknown as { binding(name: string): typeof binding }).binding("signal_wrap");
  } catch (error) {
    log.warn(`SIGINT cannot interrupt cells (use interrupt_request instead): ${describeError(error)}`);
    return;
  } finally {
    process.emitWarning = emitWarning;
  }
  const signal = new binding.Signal();
  signal.onsignal = onSigint;
  const SIGINT = 2;
  const status = signal.start(SIGINT);
  if (status !== 0) log.warn(`SIGINT cannot interrupt cells: listening failed with status ${status}`);
  signal.unref();
}

if (!isMainThread && (workerData as WorkerConfig | undefined)?.cellState) {
  void runWorker(workerData as WorkerConfig);
}
