import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExecutor } from "../../kernel/executor";
import type { Executor } from "../../kernel/contracts";
import { Recorder, options } from "./recorder";

let executor: Executor;
beforeAll(async () => {
  executor = await createExecutor();
});
afterAll(() => executor.dispose());

async function run(code: string, executionCount?: number) {
  const out = new Recorder();
  const outcome = await executor.execute(code, out, options(executionCount ? { executionCount } : {}));
  return { out, outcome };
}

describe("TypeScript cells", () => {
  it("re-running a cell that declares a const works", async () => {
    expect((await run("const x = 1")).outcome.status).toBe("ok");
    const { outcome } = await run("const x = 2;\nx * 10");
    expect(outcome).toMatchObject({ status: "ok", result: { bundle: { "text/plain": "20" } } });
  });
});
