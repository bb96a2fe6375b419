import { describe, expect, it } from "vitest";
import { useExecutor } from "./session";

const LIMIT = 10_000;
const session = useExecutor({ outputLimitBytes: LIMIT });
const run = (code: string) => session.run(code);

describe("output capture", () => {
  it("sends console and process streams to the cell in order", async () => {
    const { out } = await run(
      [
        'console.log("one");',
        'process.stdout.write("two\\n");',
        'console.error("three");',
        'console.warn("four");',
        'console.info("five");',
      ].join("\n"),
    );
    expect(out.events).toEqual([
      { type: "stream", name: "stdout", text: "one\ntwo\n" },
      { type: "stream", name: "stderr", text: "three\nfour\n" },
      { type: "stream", name: "stdout", text: "five\n" },
    ]);
  });

  it("flushes output while the cell still runs", async () => {
    const { out, outcome } = await run(
      'console.log("early");\nawait new Promise((r) => setTimeout(r, 200));\nconsole.log("late");',
    );
    expect(outcome.status).toBe("ok");
    expect(out.events).toEqual([
      { type: "stream", name: "stdout", text: "early\n" },
      { type: "stream", name: "stdout", text: "late\n" },
    ]);
  });

  it("cuts a flood of output at the limit with a marker line and keeps running", async () => {
    const { out, outcome } = await run('for (let i = 0; i < 100_000; i++) process.stdout.write("0123456789");\n"done"');
    expect(outcome).toMatchObject({ status: "ok", result: { bundle: { "text/plain": "'done'" } } });
    const text = out.text("stdout");
    expect(text.length).toBeLessThan(LIMIT + 200);
    expect(text).toMatch(/\[nnlab: output truncated after 0\.01 MB; .*\]\n$/);
  });

  it("starts counting again for the next cell", async () => {
    const { out } = await run('console.log("fresh")');
    expect(out.text("stdout")).toBe("fresh\n");
  });
});
