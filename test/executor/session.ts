/** One executor per test file, started in an empty temporary directory (no node_modules there). */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { createExecutor } from "../../kernel/execution/executor";
import type { Executor, ExecutorOptions, ExecuteOutcome } from "../../kernel/contracts";
import { Recorder, options } from "./recorder";

export interface Session {
  executor: Executor;
  cwd: string;
  run(code: string): Promise<{ out: Recorder; outcome: ExecuteOutcome }>;
}

export function useExecutor(extra: ExecutorOptions = {}): Session {
  const session = {} as Session;
  beforeAll(async () => {
    session.cwd = mkdtempSync(path.join(tmpdir(), "nnlab-executor-"));
    session.executor = await createExecutor({ cwd: session.cwd, ...extra });
    session.run = async (code) => {
      const out = new Recorder();
      const outcome = await session.executor.execute(code, out, options());
      return { out, outcome };
    };
  });
  afterAll(() => session.executor.dispose());
  return session;
}

/** The traceback as one string. */
export function tracebackOf(outcome: ExecuteOutcome): string {
  return outcome.status === "error" ? outcome.traceback.join("\n") : "";
}

/** The `text/plain` of the result, or undefined when there is none. */
export function resultText(outcome: ExecuteOutcome): string | undefined {
  return outcome.status === "ok" ? outcome.result?.bundle["text/plain"] : undefined;
}
