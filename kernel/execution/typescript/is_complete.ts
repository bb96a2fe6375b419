/**
 * `is_complete_request`: whether pressing Enter in a console should run the code or open a new line.
 * Parsing alone decides: errors only at the very end that more text can close (a missing `}` or `)`,
 * an unterminated template string or comment) mean "incomplete"; any other syntax error "invalid".
 */
import type * as TS from "typescript";
import type { IsCompleteResult } from "../../contracts";

/** "Unterminated template literal", "'*\/' expected". */
const OPEN_AT_END_CODES = new Set([1160, 1010]);

export function isComplete(ts: typeof TS, code: string): IsCompleteResult {
  if (code.trim() === "") return { status: "complete" };
  // Two Enters in a console submit the code whatever it is (IPython's rule), so a user is never stuck.
  if (/\n[ \t]*\n[ \t]*$/.test(code)) return { status: "complete" };
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const diagnostics = (file as TS.SourceFile & { parseDiagnostics: TS.Diagnostic[] }).parseDiagnostics ?? [];
  if (diagnostics.length === 0) return { status: "complete" };
  const end = code.length;
  const openAtEnd = diagnostics.every((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    return OPEN_AT_END_CODES.has(d.code) || (d.start === end && / expected\.$/.test(message));
  });
  return openAtEnd ? { status: "incomplete", indent: nextIndent(code) } : { status: "invalid" };
}

/** The current line's indentation, two spaces more after an opening bracket. */
function nextIndent(code: string): string {
  const line = code.slice(code.lastIndexOf("\n") + 1);
  const current = /^\s*/.exec(line)![0];
  return /[{[(]\s*$/.test(line) ? current + "  " : current;
}
