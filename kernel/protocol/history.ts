/**
 * The inputs (and text outputs) of this kernel session, for `history_request`.
 * Kept in memory: one kernel process is one history session, numbered 1.
 */

const SESSION = 1;

/** `[session, line, input]`, or `[session, line, [input, output]]` when outputs are asked for. */
export type HistoryEntry = [number, number, string] | [number, number, [string, string | null]];

interface Record {
  line: number;
  input: string;
  output: string | null;
}

export class History {
  private readonly records: Record[] = [];

  /** Stores a cell under its execution count. */
  add(line: number, input: string): void {
    this.records.push({ line, input, output: null });
  }

  /** The `text/plain` result of the cell stored under `line`. */
  setOutput(line: number, output: string): void {
    for (let i = this.records.length - 1; i >= 0; i--) {
      if (this.records[i].line !== line) continue;
      this.records[i].output = output;
      return;
    }
  }

  /** The last `n` inputs. */
  tail(n: number, output: boolean): HistoryEntry[] {
    return this.entries(n > 0 ? this.records.slice(-n) : [], output);
  }

  /**
   * Lines `start` (inclusive) to `stop` (exclusive; 0 or less means to the end) of `session`;
   * session 0 or less means the current one, as in IPython.
   */
  range(session: number, start: number, stop: number, output: boolean): HistoryEntry[] {
    if (session > 0 && session !== SESSION) return [];
    const picked = this.records.filter((record) => record.line >= start && (stop <= 0 || record.line < stop));
    return this.entries(picked, output);
  }

  /** Inputs matching a glob (`*`, `?`, `[...]`, case-sensitive), the last `n` (all when `n` is 0 or less). */
  search(pattern: string, n: number, unique: boolean, output: boolean): HistoryEntry[] {
    const matcher = globToRegExp(pattern);
    let picked = this.records.filter((record) => matcher.test(record.input));
    if (unique) {
      const newest = new Map<string, Record>();
      for (const record of picked) {
        newest.delete(record.input);
        newest.set(record.input, record);
      }
      picked = [...newest.values()];
    }
    return this.entries(n > 0 ? picked.slice(-n) : picked, output);
  }

  private entries(records: Record[], output: boolean): HistoryEntry[] {
    return records.map((record) =>
      output ? [SESSION, record.line, [record.input, record.output]] : [SESSION, record.line, record.input],
    );
  }
}

/** sqlite's GLOB, which IPython's history search uses. */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else if (char === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) {
        source += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith("^");
      if (negated) body = body.slice(1);
      source += `[${negated ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
      i = close;
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
