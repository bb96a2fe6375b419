/**
 * The names every cell can use without importing (besides the runtime's `nn`, `keras`, `layers`,
 * `viz`). Their types and doc comments here are what completion and hover show in a notebook.
 */
import { Console } from "node:console";
import { guardedProcess } from "../faults";
import { describeValue } from "./help";
import { preludeSession } from "./session";

export { display, clearOutput } from "./display";
export type { Display, DisplayHandle, ShowOptions, Shower, ImageData } from "./display";

/** The names `createExecutor` puts in every cell's scope, in this order. */
export const PRELUDE_NAMES = ["display", "clearOutput", "help", "input", "process", "console"] as const;

/**
 * Shows the documentation of `value` in the pager, as `?x` does in IPython: the signature and doc
 * comment of nnlab's functions and classes, a summary of any other value. `help()` lists the prelude.
 */
export const help: (value?: unknown) => void = (value?: unknown, description?: string) => {
  const text = description ?? describeValue(value);
  const session = preludeSession();
  if (session) session.page({ "text/plain": text });
  else globalThis.process.stdout.write(text + "\n");
};

/**
 * Asks the user for a line of text in the front end (`input_request`). Await it:
 * `const name = await input("Your name: ")`. With `{ password: true }` the text is hidden.
 * There is no synchronous `prompt()`: the kernel answers the front end on the same thread.
 */
export function input(prompt = "", options: { password?: boolean } = {}): Promise<string> {
  const session = preludeSession();
  if (!session) return Promise.reject(new Error("input() needs a running cell to ask the front end"));
  return session.input(prompt, options.password ?? false);
}

/**
 * Node's `process`, except that `process.exit()`, `process.abort()` and `process.kill(process.pid)`
 * are refused: they would stop the kernel. Restart the kernel from the front end instead.
 */
export const process: NodeJS.Process = guardedProcess;

/**
 * Node's console, writing to the cell: `log`/`info`/`debug` to stdout, `error`/`warn` to stderr.
 */
export const console: Console = new Console({
  stdout: globalThis.process.stdout,
  stderr: globalThis.process.stderr,
  colorMode: false,
});
