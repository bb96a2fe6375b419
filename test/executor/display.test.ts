import { describe, expect, it } from "vitest";
import { getDisplaySink } from "../../runtime/display";
import { resultText, useExecutor } from "./session";

const session = useExecutor();
const run = (code: string) => session.run(code);

describe("rich output", () => {
  it("shows a value with Symbol.for('Jupyter.display') through its own bundle", async () => {
    const { outcome } = await run(
      'const chart = { [Symbol.for("Jupyter.display")]() { return { "text/html": "<b>hi</b>", "text/plain": "hi" }; } };\nchart',
    );
    expect(outcome).toEqual({
      status: "ok",
      result: { bundle: { "text/html": "<b>hi</b>", "text/plain": "hi" }, metadata: {} },
    });
  });

  it("display() sends display_data with the same bundle, and text for plain values", async () => {
    const { out } = await run(
      'display({ [Symbol.for("Jupyter.display")]: () => ({ "text/markdown": "# T" }) });\ndisplay([1, 2]);',
    );
    expect(out.events).toMatchObject([
      { type: "display", bundle: { "text/markdown": "# T", "text/plain": "[object Object]" } },
      { type: "display", bundle: { "text/plain": "[ 1, 2 ]" } },
    ]);
  });

  it("display(x, { id }) returns a handle whose update() replaces the output", async () => {
    const { out, outcome } = await run('const h = display("first", { id: "progress" });\nh.update("second");');
    expect(outcome.status).toBe("ok");
    expect(out.events).toEqual([
      { type: "display", bundle: { "text/plain": "'first'" }, metadata: {}, displayId: "progress", update: false },
      { type: "display", bundle: { "text/plain": "'second'" }, metadata: {}, displayId: "progress", update: true },
    ]);
  });

  it("display.html / markdown / png send their mime types", async () => {
    const { out } = await run(
      'display.html("<i>x</i>");\ndisplay.markdown("**m**");\ndisplay.png(new Uint8Array([1, 2, 3]));',
    );
    expect(out.events).toMatchObject([
      { type: "display", bundle: { "text/html": "<i>x</i>" } },
      { type: "display", bundle: { "text/markdown": "**m**" } },
      { type: "display", bundle: { "image/png": "AQID" } },
    ]);
  });

  it("clearOutput({ wait: true }) clears the cell's output after the pending text", async () => {
    const { out } = await run('console.log("before");\nclearOutput({ wait: true });');
    expect(out.events).toEqual([
      { type: "stream", name: "stdout", text: "before\n" },
      { type: "clear", wait: true },
    ]);
  });

  it("puts plotly.js into the first chart of every cell run, so a re-run chart cell still carries the library", async () => {
    const carriesLibrary = async (code: string) => {
      const { outcome } = await run(code);
      if (outcome.status !== "ok" || !outcome.result) throw new Error(`cell failed: ${JSON.stringify(outcome)}`);
      return String(outcome.result.bundle["text/html"]).includes("if (!window.Plotly)");
    };
    expect(await carriesLibrary("viz.line([1, 2])")).toBe(true);
    expect(await carriesLibrary("viz.line([2, 1])")).toBe(true);
    expect(await carriesLibrary("viz.line([1, 3]);\nviz.line([3, 1])")).toBe(true);
  });

  it("routes the runtime's display sink to the running cell", async () => {
    const sinkDuringCell = await run("1");
    expect(sinkDuringCell.outcome.status).toBe("ok");
    expect(getDisplaySink().rich).toBe(true);
  });

  it("keeps tslab notebooks working: require('tslab').display and import * as tslab", async () => {
    const { out, outcome } = await run(
      'import * as tslab from "tslab";\ntslab.display.html("<p>a</p>");\nrequire("tslab").display.markdown("b");',
    );
    expect(outcome.status).toBe("ok");
    expect(out.events).toMatchObject([
      { type: "display", bundle: { "text/html": "<p>a</p>" } },
      { type: "display", bundle: { "text/markdown": "b" } },
    ]);
  });

  it("tslab.newDisplay() shows once, then replaces that output on every call", async () => {
    const { out } = await run(
      'const live = require("tslab").newDisplay();\nlive.text("1 of 2");\nlive.text("2 of 2");',
    );
    const [first, second] = out.events;
    expect(first).toMatchObject({ type: "display", bundle: { "text/plain": "1 of 2" }, update: false });
    expect(second).toMatchObject({ type: "display", bundle: { "text/plain": "2 of 2" }, update: true });
    expect(first.type === "display" && second.type === "display" && first.displayId === second.displayId).toBe(true);
  });

  it("help(x) pages the signature and doc comment of a prelude function", async () => {
    const { out } = await run("help(clearOutput)");
    const page = out.events.find((e) => e.type === "page");
    expect(page?.type === "page" && page.bundle["text/plain"]).toMatch(
      /clearOutput\(options\?: \{\s+wait\?: boolean;\s+\}\): void/,
    );
    expect(page?.type === "page" && page.bundle["text/plain"]).toContain("Clears the cell's output");
  });

  it("help(x) of a plain value pages a summary", async () => {
    const { out } = await run("const helped = help;\nhelped(new Map([[1, 2]]))");
    expect(out.events).toMatchObject([
      { type: "page", bundle: { "text/plain": expect.stringContaining("Map instance") as unknown } },
    ]);
  });

  it("await input() returns what the front end answered", async () => {
    const { outcome } = await run('const name = await input("Name? ");\nname.length');
    expect(resultText(outcome)).toBe("0");
  });
});
