/**
 * Sending and receiving on one ZeroMQ socket without ever stalling: zeromq v6
 * allows one send and one receive in flight per socket, so sends wait in an
 * outbox, and receiving is a loop that hands each multipart message on. Both
 * use `whenSettled`, so an interrupt that drops their promise reactions only
 * delays them until `reattachAll()`.
 */
import type { Log } from "../log";
import { describeError } from "../log";
import { whenSettled } from "./settle";
import { later, nextTurn } from "./timers";

export interface SendingSocket {
  send(frames: Buffer[]): Promise<void>;
}

export interface ReceivingSocket {
  receive(): Promise<Buffer[]>;
  readonly closed: boolean;
}

/**
 * A send that has not settled after this long is taken as lost: an interrupt's termination can land inside
 * ZeroMQ's completion of a send, and then its promise never settles. Every socket the kernel sends on drops
 * rather than blocks (PUB, and ROUTER without `mandatory`), so a real send never takes this long.
 */
export const SEND_STALL_MS = 1000;
/** How long to wait before trying again when ZeroMQ says the earlier send is still in progress. */
const BUSY_RETRY_MS = 50;

export class Outbox {
  private readonly queue: Buffer[][] = [];
  /** The send in flight, if any; a late settlement of an abandoned one is recognised and ignored. */
  private inFlight: object | undefined;

  constructor(
    private readonly socket: SendingSocket,
    private readonly name: string,
    private readonly log: Log,
    private readonly stallMs = SEND_STALL_MS,
  ) {}

  send(frames: Buffer[]): void {
    this.queue.push(frames);
    this.next();
  }

  /** True when everything queued has been handed to ZeroMQ. */
  get empty(): boolean {
    return !this.inFlight && this.queue.length === 0;
  }

  private next(): void {
    if (this.inFlight) return;
    const frames = this.queue.shift();
    if (!frames) return;
    const token = {};
    this.inFlight = token;
    let sent: Promise<void>;
    try {
      sent = this.socket.send(frames);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what was thrown, as it is
      sent = Promise.reject(error);
    }
    const current = () => this.inFlight === token;
    const done = () => {
      if (!current()) return;
      this.inFlight = undefined;
      this.next();
    };
    // After the timer, one more turn of the event loop: a completion that waited behind a long synchronous
    // cell is delivered in that turn's I/O phase, so only a send that is really lost is given up.
    const stall = later(this.stallMs, () =>
      nextTurn(() => {
        if (!current()) return;
        this.log.warn(
          `a send on ${this.name} has not completed after ${this.stallMs} ms (${this.queue.length} more queued); ` +
            "going on with the next message",
        );
        done();
      }),
    );
    whenSettled(
      sent,
      () => {
        clearTimeout(stall);
        done();
      },
      (error) => {
        clearTimeout(stall);
        if (!current()) return;
        if (isBusy(error)) {
          // ZeroMQ still holds the earlier (abandoned) send: keep the order, try again shortly.
          this.queue.unshift(frames);
          this.inFlight = undefined;
          later(BUSY_RETRY_MS, () => this.next());
          return;
        }
        this.log.warn(`could not send on ${this.name}: ${describeError(error)}`);
        done();
      },
    );
  }
}

function isBusy(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "EBUSY";
}

/** Receives until the socket closes, handing each message to `onMessage` (which must not throw). */
export function receiveLoop(
  socket: ReceivingSocket,
  name: string,
  log: Log,
  onMessage: (frames: Buffer[]) => void,
): void {
  const next = () => {
    if (socket.closed) return;
    let received: Promise<Buffer[]>;
    try {
      received = socket.receive();
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what was thrown, as it is
      received = Promise.reject(error);
    }
    whenSettled(
      received,
      (frames) => {
        try {
          onMessage(frames);
        } catch (error) {
          log.error(`handling a message on ${name} failed: ${describeError(error)}`);
        }
        next();
      },
      (error) => {
        if (socket.closed) return;
        log.warn(`receive on ${name} failed: ${describeError(error)}`);
        later(10, next);
      },
    );
  };
  next();
}
