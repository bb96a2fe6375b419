/**
 * The Output widget: an output area inside a widget. What code prints and displays while `capture` runs
 * goes into the widget's `outputs` (nbformat output dicts, which the front end renders as a cell's output
 * area would) instead of the cell: the usual way for a widget's callback to show its result.
 */
import { type DisplaySink, getDisplaySink, type MimeBundle, setDisplaySink } from "../display";
import { DOMWidget, type DOMWidgetOptions } from "./controls";
import { MODULES, type WidgetState } from "./model";

export type OutputItem =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: Record<string, unknown>; metadata: Record<string, unknown> };

type Write = typeof process.stdout.write;

export class Output extends DOMWidget {
  /** Display ids shown in this widget, so that `update` replaces them in place. */
  private readonly displayIds = new Map<string, number>();

  constructor(options: DOMWidgetOptions = {}) {
    const { output } = MODULES;
    super(
      { model: "OutputModel", module: output, view: "OutputView", viewModule: output },
      { msg_id: "", outputs: [] },
      options,
    );
  }

  get outputs(): readonly OutputItem[] {
    return this.get("outputs") as OutputItem[];
  }

  /** Empties the widget. */
  clear(): void {
    this.displayIds.clear();
    this.set({ outputs: [] });
  }

  appendStdout(text: string): void {
    this.appendStream("stdout", text);
  }

  appendStderr(text: string): void {
    this.appendStream("stderr", text);
  }

  /** Adds a mime bundle (what `display` would show). */
  appendDisplay(bundle: MimeBundle, metadata: Record<string, unknown> = {}): void {
    this.set({ outputs: [...this.outputs, { output_type: "display_data", data: bundle, metadata }] });
  }

  /**
   * Runs `fn` with its `display` calls, `console.log` and other writes to stdout/stderr going into this
   * widget; returns what `fn` returns. For an async `fn` the capture lasts until its promise settles.
   */
  capture<T>(fn: () => T): T {
    const undo = this.redirect();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      undo();
      throw error;
    }
    if (result instanceof Promise) return result.finally(undo) as T;
    undo();
    return result;
  }

  protected override describe(): string {
    return `${this.outputs.length} outputs`;
  }

  protected override validate(changes: WidgetState): WidgetState {
    if ("outputs" in changes && !Array.isArray(changes.outputs)) throw new TypeError("Output: outputs must be a list");
    return changes;
  }

  private appendStream(name: "stdout" | "stderr", text: string): void {
    const outputs = [...this.outputs];
    const last = outputs[outputs.length - 1];
    if (last?.output_type === "stream" && last.name === name)
      outputs[outputs.length - 1] = { ...last, text: last.text + text };
    else outputs.push({ output_type: "stream", name, text });
    this.set({ outputs });
  }

  /** Points display and the process streams at this widget; returns the function that points them back. */
  private redirect(): () => void {
    const previous = getDisplaySink();
    const sink: DisplaySink = {
      rich: true,
      display: (bundle, options = {}) => {
        const { displayId, update, metadata = {} } = options;
        const at = displayId === undefined ? undefined : this.displayIds.get(displayId);
        if (update && at !== undefined) {
          const outputs = [...this.outputs];
          outputs[at] = { output_type: "display_data", data: bundle, metadata };
          this.set({ outputs });
          return;
        }
        if (update) return;
        if (displayId !== undefined) this.displayIds.set(displayId, this.outputs.length);
        this.appendDisplay(bundle, metadata);
      },
      clearOutput: () => this.clear(),
    };
    setDisplaySink(sink);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back on the same streams afterwards
    const streams = { stdout: process.stdout.write, stderr: process.stderr.write };
    const capture =
      (name: "stdout" | "stderr"): Write =>
      (chunk: unknown) => {
        this.appendStream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString());
        return true;
      };
    process.stdout.write = capture("stdout");
    process.stderr.write = capture("stderr");
    return () => {
      setDisplaySink(getDisplaySink() === sink ? previous : getDisplaySink());
      process.stdout.write = streams.stdout;
      process.stderr.write = streams.stderr;
    };
  }
}
