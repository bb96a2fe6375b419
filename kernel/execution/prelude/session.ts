/**
 * The prelude's link to the running cell for what only a cell can do: ask for input, page help.
 * The executor sets it; there is one executor per kernel process.
 */
import type { MimeBundle } from "../../../runtime/display";

export interface PreludeSession {
  /** A pager payload on the running cell's reply (what `help` shows). */
  page(bundle: MimeBundle): void;
  input(prompt: string, password: boolean): Promise<string>;
}

let session: PreludeSession | null = null;

export function setPreludeSession(next: PreludeSession | null): void {
  session = next;
}

export function preludeSession(): PreludeSession | null {
  return session;
}
