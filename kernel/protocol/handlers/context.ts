/**
 * What a request handler gets: the request, and the kernel's parts it may use
 * to answer. Handlers are short functions in a table (ipykernel's kernelbase
 * is the model); the server owns the sockets, the queue and busy/idle.
 */
import type { OutputTarget } from "../cell_output";
import type { Cells } from "../cells";
import type { CommRegistry } from "../comm";
import type { History } from "../history";
import type { Log } from "../../log";
import type { Content, MessageType } from "../messages";
import type { JsonObject, ParentHeader, WireMessage } from "../wire";

export interface Request {
  channel: "shell" | "control";
  message: WireMessage;
}

/** Answers one request; a promise means it finishes later (the request stays busy until then). */
export type Handler = (request: Request) => void | Promise<void>;

export interface KernelContext {
  readonly log: Log;
  readonly cells: Cells;
  readonly history: History;
  readonly comms: CommRegistry;
  /** Where a cell's output and input() requests go. */
  readonly output: OutputTarget;
  /** A reply on the channel the request came from. */
  reply<T extends MessageType>(request: Request, msgType: T, content: Content<T>, metadata?: JsonObject): void;
  /** A message on IOPub. */
  publish<T extends MessageType>(msgType: T, content: Content<T>, parent: ParentHeader): void;
  /** After a failed stop_on_error cell: the execute requests already waiting are aborted. */
  abortQueue(): void;
  shutdown(restart: boolean): void;
}

export function stringField(content: JsonObject, name: string): string {
  const value = content[name];
  return typeof value === "string" ? value : "";
}

export function numberField(content: JsonObject, name: string, fallback: number): number {
  const value = content[name];
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}
