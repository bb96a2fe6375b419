import { describe, expect, it } from "vitest";
import { useExecutor } from "./session";

const session = useExecutor();

describe("completion, inspection, is_complete", () => {
  it("completes a variable declared in an earlier cell, replacing the partial name", async () => {
    await session.run("const learningRate = 0.01;");
    const code = "const lr = learn";
    const result = session.executor.complete(code, code.length);
    expect(result.matches).toContain("learningRate");
    expect(result.cursorStart).toBe(code.length - "learn".length);
    expect(result.cursorEnd).toBe(code.length);
  });

  it("completes members after a dot", async () => {
    await session.run("const model = { fit() {}, evaluate() {}, layers: [] as number[] };");
    const result = session.executor.complete("model.", 6);
    expect(result.matches).toEqual(expect.arrayContaining(["fit", "evaluate", "layers"]));
    expect(result.cursorStart).toBe(6);
  });

  it("completes prelude names and counts cursor positions in code points", () => {
    const code = "const s = '😀'; disp";
    const cursor = Array.from(code).length;
    const result = session.executor.complete(code, cursor);
    expect(result.matches[0]).toBe("display");
    expect(result.cursorStart).toBe(cursor - 4);
  });

  it("offers the runtime's names (nn) typed by the runtime itself", () => {
    expect(session.executor.complete("n", 1).matches).toContain("nn");
  });

  it("offers the widgets namespace and completes its classes and their typed properties", async () => {
    expect(session.executor.complete("widg", 4).matches).toContain("widgets");
    expect(session.executor.complete("widgets.IntS", 12).matches).toContain("IntSlider");
    await session.run("const slider = new widgets.IntSlider({ value: 1 });");
    expect(session.executor.complete("slider.", 7).matches).toEqual(
      expect.arrayContaining(["value", "min", "max", "step", "observe", "description"]),
    );
  });

  it("inspects a prelude function: signature and doc comment", () => {
    const code = "clearOutput({ wait: true })";
    const result = session.executor.inspect(code, 3, 0);
    expect(result.found).toBe(true);
    expect(result.bundle?.["text/plain"]).toMatch(/clearOutput\(options\?: \{\s+wait\?: boolean;/);
    expect(result.bundle?.["text/plain"]).toContain("Clears the cell's output");
  });

  it("inspects the call the cursor is in, right after the opening parenthesis", () => {
    const result = session.executor.inspect("display.html(", 13, 0);
    expect(result.found).toBe(true);
    expect(result.bundle?.["text/plain"]).toContain("content: string");
  });

  it("finds nothing to inspect in whitespace", () => {
    expect(session.executor.inspect("   ", 1, 0)).toEqual({ found: false });
  });

  it("tells complete, incomplete (with indent) and invalid code apart", () => {
    expect(session.executor.isComplete("1+1")).toEqual({ status: "complete" });
    expect(session.executor.isComplete("for (let i = 0; i < 10; i++) {")).toEqual({
      status: "incomplete",
      indent: "  ",
    });
    expect(session.executor.isComplete("const t = `open")).toMatchObject({ status: "incomplete" });
    expect(session.executor.isComplete("foo([1, 2,")).toMatchObject({ status: "incomplete" });
    expect(session.executor.isComplete("a = )")).toEqual({ status: "invalid" });
    expect(session.executor.isComplete("if (ready) {\n  go();\n\n")).toEqual({ status: "complete" });
  });
});
