/**
 * The `CellOutput` of one execute request: each call becomes one IOPub
 * message whose parent is that request. A silent request sends nothing.
 */
import type { MimeBundle, MimeMetadata } from "../../runtime/display";
import type { CellOutput } from "../contracts";
import type { Content, MessageType } from "./messages";
import { stdinNotAllowed } from "./stdin";
import type { WireMessage } from "./wire";

export interface OutputTarget {
  publish<T extends MessageType>(msgType: T, content: Content<T>, request: WireMessage): void;
  input(prompt: string, password: boolean, request: WireMessage): Promise<string>;
}

export class RequestOutput implements CellOutput {
  /** Pager payloads for the execute reply (`help(x)`). */
  readonly pages: MimeBundle[] = [];

  constructor(
    private readonly target: OutputTarget,
    readonly request: WireMessage,
    private readonly options: { silent: boolean; allowStdin: boolean },
  ) {}

  stream(name: "stdout" | "stderr", text: string): void {
    if (text !== "") this.publish("stream", { name, text });
  }

  display(bundle: MimeBundle, metadata: MimeMetadata, options: { displayId?: string; update?: boolean }): void {
    const transient = options.displayId === undefined ? {} : { display_id: options.displayId };
    const msgType = options.update && options.displayId !== undefined ? "update_display_data" : "display_data";
    this.publish(msgType, { data: bundle, metadata, transient });
  }

  clearOutput(wait: boolean): void {
    this.publish("clear_output", { wait });
  }

  input(prompt: string, password: boolean): Promise<string> {
    if (!this.options.allowStdin) return Promise.reject(stdinNotAllowed());
    return this.target.input(prompt, password, this.request);
  }

  page(bundle: MimeBundle): void {
    if (!this.options.silent) this.pages.push(bundle);
  }

  private publish<T extends MessageType>(msgType: T, content: Content<T>): void {
    if (!this.options.silent) this.target.publish(msgType, content, this.request);
  }
}
