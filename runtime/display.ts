/**
 * Rich output as plain data. The runtime never talks to Jupyter itself: it
 * builds mime bundles and hands them to the installed display sink. The kernel
 * installs a sink that sends `display_data` / `update_display_data`; in plain
 * Node the default sink prints the `text/plain` part.
 */

/** A Jupyter mime bundle: mime type -> data (string, or JSON for `+json` types). */
export type MimeBundle = { "text/plain": string } & Record<string, unknown>;

/** Per-output metadata, keyed by mime type (for example image sizes). */
export type MimeMetadata = Record<string, unknown>;

/** The protocol that Deno's kernel and nnlab share: an object that knows how to show itself. */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle | Record<string, unknown>;
}

export interface DisplayOptions {
  /** Display id: later `update` calls replace this output in place. */
  displayId?: string;
  /** Replace the output with this display id instead of adding a new one. */
  update?: boolean;
  metadata?: MimeMetadata;
}

/** Where live output goes. One sink is installed per process. */
export interface DisplaySink {
  display(bundle: MimeBundle, options?: DisplayOptions): void;
  clearOutput(wait: boolean): void;
  /** True where the front end renders rich output (a notebook); false in a terminal. */
  readonly rich: boolean;
}

const textSink: DisplaySink = {
  rich: false,
  display(bundle) {
    process.stdout.write(bundle["text/plain"] + "\n");
  },
  clearOutput() {},
};

let sink: DisplaySink = textSink;

export function setDisplaySink(next: DisplaySink | null): void {
  sink = next ?? textSink;
}

export function getDisplaySink(): DisplaySink {
  return sink;
}

export function isDisplayable(value: unknown): value is Displayable {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as Record<symbol, unknown>)[JUPYTER_DISPLAY] === "function"
  );
}

/** The bundle of a displayable value, with `text/plain` guaranteed. */
export function bundleOf(value: Displayable): MimeBundle {
  const raw = value[JUPYTER_DISPLAY]() as Record<string, unknown>;
  const text = raw["text/plain"];
  return { ...raw, "text/plain": typeof text === "string" ? text : String(value) };
}

let nextId = 0;
/** A display id unique within this process. */
export function newDisplayId(prefix = "nnlab"): string {
  nextId += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${nextId}`;
}
