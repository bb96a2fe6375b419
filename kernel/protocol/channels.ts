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
import { later } from "./timers";

export interface SendingSocket {
  send(frames: Buffer[]): Promise<void>;
}

export interface ReceivingSocket {
  receive(): Promise<Buffer[]>;
  readonly closed: boolean;
}

export class Outbox {
  private readonly queue: Buffer[][] = [];
  private sending = false;

  constructor(
    private readonly socket: SendingSocket,
    private readonly name: string,
    private readonly log: Log,
  ) {}

  send(frames: Buffer[]): void {
    this.queue.push(frames);
    this.next();
  }

  /** True when everything queued has been handed to ZeroMQ. */
  get empty(): boolean {
    return !this.sending && this.queue.length === 0;
  }

  private next(): void {
    if (this.sending) return;
    const frames = this.queue.shift();
    if (!frames) return;
    this.sending = true;
    let sent: Promise<void>;
    try {
      sent = this.socket.send(frames);
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on what was thrown, as it is
      sent = Promise.reject(error);
    }
    const done = () => {
      this.sending = false;
      this.next();
    };
    whenSettled(sent, done, (error) => {
      this.log.warn(`could not send on ${this.name}: ${describeError(error)}`);
      done();
    });
  }
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
