/**
 * Where cell output goes: the running cell, else the fallback (the last cell, or what the server
 * chose), else the real process stream. Stream text is batched (one message per stream run, at most
 * every 50 ms) and capped per cell so a runaway loop cannot flood the front end or the kernel.
 */
import type { CellOutput } from "../../contracts";
import type { DisplayOptions, DisplaySink, MimeBundle } from "../../../runtime/display";

export type StreamName = "stdout" | "stderr";

const FLUSH_DELAY_MS = 50;

export class OutputRouter {
  private current: CellOutput | null = null;
  private fallback: CellOutput | null = null;
  private pending: Array<{ out: CellOutput; name: StreamName; text: string }> = [];
  private timer: NodeJS.Timeout | null = null;
  /** Characters written per output, and whether its truncation marker went out. */
  private readonly written = new WeakMap<CellOutput, { chars: number; cut: boolean }>();

  constructor(
    private readonly limitChars: number,
    private readonly realWrite: Record<StreamName, (text: string) => void>,
    private readonly schedule: (fn: () => void, ms: number) => NodeJS.Timeout,
  ) {}

  /** The running cell's output; null when the cell ends (its output stays the fallback). */
  setCurrent(out: CellOutput | null): void {
    this.flush();
    if (out) {
      this.written.set(out, { chars: 0, cut: false });
      this.fallback = out;
    }
    this.current = out;
  }

  setFallback(out: CellOutput | null): void {
    this.flush();
    this.fallback = out;
  }

  target(): CellOutput | null {
    return this.current ?? this.fallback;
  }

  /** The running cell only (input and the pager make no sense for a cell that has finished). */
  running(): CellOutput | null {
    return this.current;
  }

  write(name: StreamName, text: string): void {
    const out = this.target();
    if (!out) {
      this.realWrite[name](text);
      return;
    }
    const count = this.written.get(out) ?? { chars: 0, cut: false };
    this.written.set(out, count);
    if (count.cut) return;
    const room = this.limitChars - count.chars;
    if (text.length > room) {
      count.cut = true;
      text = text.slice(0, Math.max(0, room)) + truncationMarker(this.limitChars);
    }
    count.chars += text.length;
    const last = this.pending[this.pending.length - 1];
    if (last && last.out === out && last.name === name) last.text += text;
    else this.pending.push({ out, name, text });
    if (!this.timer) {
      this.timer = this.schedule(() => this.flush(), FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Sends batched stream text now (before a display, at the end of a cell). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const pending = this.pending;
    this.pending = [];
    for (const { out, name, text } of pending) out.stream(name, text);
  }

  /** The display sink the runtime and the prelude draw through. */
  displaySink(): DisplaySink {
    return {
      rich: true,
      display: (bundle: MimeBundle, options: DisplayOptions = {}) => {
        const out = this.target();
        if (!out) {
          this.realWrite.stdout(bundle["text/plain"] + "\n");
          return;
        }
        this.flush();
        out.display(bundle, options.metadata ?? {}, { displayId: options.displayId, update: options.update });
      },
      clearOutput: (wait: boolean) => {
        this.flush();
        this.target()?.clearOutput(wait);
      },
    };
  }
}

function truncationMarker(limitChars: number): string {
  const mb = Math.round((limitChars / 1e6) * 100) / 100;
  return `\n[nnlab: output truncated after ${mb} MB; the rest of this cell's output is dropped. Write less, or write to a file.]\n`;
}
