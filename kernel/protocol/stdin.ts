/**
 * `input()` over the stdin channel: an `input_request` goes to the client that
 * sent the execute request (same ZeroMQ identities), and its `input_reply`
 * settles the promise the cell awaits.
 */
import type { Outbox } from "./channels";
import type { Log } from "../log";
import type { Content } from "./messages";
import type { Wire, WireMessage } from "./wire";

interface Pending {
  requestId: string;
  resolve(value: string): void;
  reject(error: Error): void;
}

export class StdinChannel {
  private pending: Pending | undefined;

  constructor(
    private readonly wire: Wire,
    private readonly outbox: Outbox,
    private readonly log: Log,
  ) {}

  /** Asks the client of `request` for a line of input. */
  request(prompt: string, password: boolean, request: WireMessage): Promise<string> {
    if (this.pending) {
      return Promise.reject(
        inputError("InputError", "input() was called while an earlier input() still waits for its answer"),
      );
    }
    const content: Content<"input_request"> = { prompt, password };
    return new Promise((resolve, reject) => {
      const frames = this.wire.serialize({
        msgType: "input_request",
        content,
        parent: request.header,
        identities: request.identities,
      });
      this.pending = { requestId: request.header.msg_id, resolve, reject };
      this.outbox.send(frames);
    });
  }

  /** A message that arrived on stdin. */
  handle(message: WireMessage): void {
    if (message.header.msg_type !== "input_reply") {
      this.log.warn(`ignored a ${message.header.msg_type} on stdin`);
      return;
    }
    const pending = this.pending;
    const parentId = "msg_id" in message.parentHeader ? message.parentHeader.msg_id : undefined;
    if (!pending) {
      this.log.warn("ignored an input_reply that no input() waits for");
      return;
    }
    if (parentId !== undefined && parentId !== pending.requestId) {
      this.log.warn(`an input_reply names request ${parentId}, the waiting input() belongs to ${pending.requestId}`);
    }
    this.pending = undefined;
    const value = message.content.value;
    pending.resolve(typeof value === "string" ? value : "");
  }

  /** Rejects a waiting input() (the cell was interrupted). */
  cancel(reason: string): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(inputError("InterruptError", reason));
  }
}

/** The rejection of input() when the execute request had allow_stdin false, as ipykernel's. */
export function stdinNotAllowed(): Error {
  return inputError(
    "StdinNotImplementedError",
    "input() was called, but this front end does not accept input (the execute request has allow_stdin: false)",
  );
}

function inputError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
