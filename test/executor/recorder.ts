/** A CellOutput that records what a cell sent, in order, for assertions. */
import type { CellOutput, ExecuteOptions } from "../../kernel/contracts";
import type { MimeBundle, MimeMetadata } from "../../runtime/display";

export type Recorded =
  | { type: "stream"; name: "stdout" | "stderr"; text: string }
  | { type: "display"; bundle: MimeBundle; metadata: MimeMetadata; displayId?: string; update?: boolean }
  | { type: "clear"; wait: boolean }
  | { type: "page"; bundle: MimeBundle };

export class Recorder implements CellOutput {
  readonly events: Recorded[] = [];
  inputAnswer = "";

  stream(name: "stdout" | "stderr", text: string): void {
    this.events.push({ type: "stream", name, text });
  }
  display(bundle: MimeBundle, metadata: MimeMetadata, options: { displayId?: string; update?: boolean }): void {
    this.events.push({ type: "display", bundle, metadata, ...options });
  }
  clearOutput(wait: boolean): void {
    this.events.push({ type: "clear", wait });
  }
  input(): Promise<string> {
    return Promise.resolve(this.inputAnswer);
  }
  page(bundle: MimeBundle): void {
    this.events.push({ type: "page", bundle });
  }

  /** All text of one stream, joined. */
  text(name: "stdout" | "stderr"): string {
    return this.events.map((e) => (e.type === "stream" && e.name === name ? e.text : "")).join("");
  }
}

let count = 0;
export function options(overrides: Partial<ExecuteOptions> = {}): ExecuteOptions {
  count += 1;
  return { silent: false, storeHistory: true, allowStdin: true, executionCount: count, ...overrides };
}
