import { describe, expect, it } from "vitest";
import { Recorder, options } from "./recorder";
import { resultText, tracebackOf, useExecutor } from "./session";

const session = useExecutor();
const run = (code: string) => session.run(code);

/** Resolves once `out` has received stderr text (or fails the test after a while). */
async function stderrOf(out: Recorder): Promise<string> {
  for (let i = 0; i < 200 && out.text("stderr") === ""; i++) await new Promise((r) => setTimeout(r, 10));
  return out.text("stderr");
}

describe("faults", () => {
  it("shows an error thrown later in a timer on the fallback output", async () => {
    const { out, outcome } = await run('setTimeout(() => { throw new Error("late boom"); }, 20);');
    expect(outcome.status).toBe("ok");
    const fallback = new Recorder();
    session.executor.setFallbackOutput(fallback);
    const text = await stderrOf(fallback);
    expect(text).toContain("Uncaught error in a timer callback");
    expect(text).toContain("Error: late boom");
    expect(text).toMatch(/Cell In\[\d+\], line 1/);
    expect(out.events).toEqual([]);
    expect(resultText((await run("1 + 1")).outcome)).toBe("2");
  });

  it("shows an unhandled promise rejection on the cell that ran last", async () => {
    // vitest fails a run on unhandled rejections it sees; the executor's own handler is what is tested.
    const vitestHandlers = process.listeners("unhandledRejection");
    for (const handler of vitestHandlers) process.off("unhandledRejection", handler);
    try {
      const { out } = await run('Promise.reject(new RangeError("nobody caught me"));\nundefined');
      const text = await stderrOf(out);
      expect(text).toContain("Unhandled promise rejection");
      expect(text).toContain("RangeError: nobody caught me");
    } finally {
      for (const handler of vitestHandlers) process.on("unhandledRejection", handler);
    }
  });

  it("refuses process.exit() with an error that says what to do, and keeps running", async () => {
    const { outcome } = await run("process.exit(1)");
    expect(outcome).toMatchObject({ status: "error", ename: "Error" });
    if (outcome.status === "error") {
      expect(outcome.evalue).toContain("process.exit() is refused");
      expect(outcome.evalue).toContain("restart");
    }
    expect((await run("process.abort()")).outcome).toMatchObject({ status: "error" });
    expect((await run("process.kill(process.pid)")).outcome).toMatchObject({ status: "error" });
    expect(resultText((await run("process.pid > 0")).outcome)).toBe("true");
  });

  it("interrupt() settles a cell waiting on a promise at once; earlier definitions survive", async () => {
    const pending = session.executor.execute(
      "const madeBefore = 7;\nawait new Promise(() => {});",
      new Recorder(),
      options(),
    );
    await new Promise((r) => setTimeout(r, 50));
    session.executor.interrupt();
    const outcome = await pending;
    expect(outcome).toMatchObject({ status: "error", ename: "InterruptError", evalue: "Execution interrupted" });
    expect(resultText((await run("madeBefore * 6")).outcome)).toBe("42");
  });

  it("reports the cell's user code running and stopping to the server", async () => {
    const states: boolean[] = [];
    const { createExecutor } = await import("../../kernel/execution/executor");
    session.executor.dispose();
    session.executor = await createExecutor({ cwd: session.cwd, onUserCode: (running) => states.push(running) });
    await run("let spin = 0; for (let i = 0; i < 1000; i++) spin += i;");
    expect(states).toEqual([true, false]);
    expect(tracebackOf((await run("throw 'plain string'")).outcome)).toContain("plain string");
  });
});
