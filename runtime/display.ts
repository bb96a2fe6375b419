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

/**
 * Process-wide display state. It lives on a global symbol rather than in this
 * module so that every copy of the runtime loaded in one process (the kernel's
 * own, a notebook's `import ... from "nnlab/runtime"` resolving to another
 * install, sources and build output side by side in tests) shares one sink.
 */
interface DisplayState {
  sink: DisplaySink | null;
  outputScope: number;
  nextId: number;
}
const STATE = Symbol.for("nnlab.display.state");
const state: DisplayState = ((globalThis as { [STATE]?: DisplayState })[STATE] ??= {
  sink: null,
  outputScope: 0,
  nextId: 0,
});

export function setDisplaySink(next: DisplaySink | null): void {
  state.sink = next;
}

export function getDisplaySink(): DisplaySink {
  return state.sink ?? textSink;
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
  // Without a text/plain, the value's own toString (a class may define one).
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return { ...raw, "text/plain": typeof text === "string" ? text : String(value) };
}

/**
 * Marks the start of a new output scope: the kernel calls it when a cell
 * starts executing. Output that must appear once per cell run (the inline
 * plotly.js library) compares scopes to know when it must be sent again.
 */
export function beginOutputScope(): void {
  state.outputScope += 1;
}

export function currentOutputScope(): number {
  return state.outputScope;
}

/** A display id unique within this process. */
export function newDisplayId(prefix = "nnlab"): string {
  state.nextId += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${state.nextId}`;
}
