import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { resultText, tracebackOf, useExecutor } from "./session";

const session = useExecutor();
const run = (code: string) => session.run(code);

describe("TypeScript cells in a directory without node_modules", () => {
  it("resolves Node's types and globals (console, Buffer, process)", async () => {
    const { outcome } = await run("Buffer.from('hi').length + process.argv.length * 0");
    expect(resultText(outcome)).toBe("2");
  });

  it("re-running a cell that declares a const works", async () => {
    expect((await run("const x = 1")).outcome.status).toBe("ok");
    const { outcome } = await run("const x = 2;\nx * 10");
    expect(resultText(outcome)).toBe("20");
  });

  it("supports top-level await", async () => {
    const { outcome } = await run("const v = await new Promise<number>((r) => setTimeout(() => r(41), 5));\nv + 1");
    expect(resultText(outcome)).toBe("42");
  });

  it("awaits a parenthesized operand at top level (an async IIFE, `await (p)`)", async () => {
    expect(resultText((await run("await (async () => 41)() + 1")).outcome)).toBe("42");
    expect(resultText((await run("const p = Promise.resolve(7);\nawait (p)")).outcome)).toBe("7");
  });

  it("keeps a let visible and assignable in later cells", async () => {
    await run("let counter = 1");
    await run("counter += 2;\ncounter++");
    const { outcome } = await run("counter");
    expect(resultText(outcome)).toBe("4");
  });

  it("lets a function of an earlier cell see a variable that a later cell assigns or redeclares", async () => {
    await run("let rate = 0.1;\nconst epochs = 2;\nfunction plan() { return `${epochs} epochs at ${rate}`; }");
    await run("rate = 0.01;");
    expect(resultText((await run("plan()")).outcome)).toBe("'2 epochs at 0.01'");
    await run("const epochs = 5;");
    expect(resultText((await run("plan()")).outcome)).toBe("'5 epochs at 0.01'");
  });

  it("lets a function of an earlier cell call the newest version of a helper", async () => {
    await run(
      "function activation(x: number) { return x; }\nfunction layer(x: number) { return activation(x) * 2; }\nfunction fact(n: number): number { return n <= 1 ? 1 : n * fact(n - 1); }",
    );
    await run("function activation(x: number) { return Math.max(0, x); }");
    expect(resultText((await run("[layer(-3), fact(5)]")).outcome)).toBe("[ 0, 120 ]");
  });

  it("refuses to assign a const of an earlier cell, naming the cell line", async () => {
    await run("const fixed = 1");
    const { outcome } = await run("\nfixed = 2");
    expect(outcome).toMatchObject({ status: "error", ename: "TypeScriptError" });
    expect(tracebackOf(outcome)).toContain("2:1 - Cannot assign to 'fixed' because it is a constant");
  });

  it("carries functions, classes, interfaces and types over to later cells", async () => {
    await run(
      [
        "interface Point { x: number; y: number }",
        "type Pair = [Point, Point];",
        "class Segment { constructor(readonly ends: Pair) {} length() { const [a, b] = this.ends; return Math.hypot(b.x - a.x, b.y - a.y); } }",
        "function segment(a: Point, b: Point): Segment { return new Segment([a, b]); }",
      ].join("\n"),
    );
    const { outcome } = await run(
      "const p: Point = { x: 0, y: 0 };\nconst s: Segment = segment(p, { x: 3, y: 4 });\ns.length()",
    );
    expect(resultText(outcome)).toBe("5");
  });

  it("extends a class of an earlier cell that a cell in between used as a type", async () => {
    await run(
      "class Animal { hi() { return 'I say ' + this.speak(); } speak() { return '...'; } }\nclass Dog extends Animal { speak() { return 'woof'; } }",
    );
    await run("const rex: Dog = new Dog();");
    expect(
      resultText(
        (await run("class Puppy extends Dog { speak() { return 'yip'; } }\n[new Puppy().hi(), rex.hi()]")).outcome,
      ),
    ).toBe("[ 'I say yip', 'I say woof' ]");
  });

  it("sees imports of earlier cells", async () => {
    await run('import * as os from "node:os";\nimport { join } from "node:path";');
    const { outcome } = await run('typeof os.cpus() + join("a", "b")');
    expect(resultText(outcome)).toBe("'objecta/b'");
  });

  it("imports a package installed next to the notebook, with its types", async () => {
    const dir = path.join(session.cwd, "node_modules", "greeter");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ name: "greeter", main: "index.js", types: "index.d.ts" }),
    );
    writeFileSync(path.join(dir, "index.js"), "exports.greet = (name) => 'hello ' + name;");
    writeFileSync(path.join(dir, "index.d.ts"), "export declare function greet(name: string): string;");
    expect(resultText((await run('import { greet } from "greeter";\ngreet("nnlab")')).outcome)).toBe("'hello nnlab'");
    const { outcome } = await run("greet(42)");
    expect(outcome).toMatchObject({ status: "error", ename: "TypeScriptError" });
    expect(resultText((await run('require("greeter").greet("again")')).outcome)).toBe("'hello again'");
  });

  it("imports a TypeScript file next to the notebook", async () => {
    writeFileSync(
      path.join(session.cwd, "helpers.ts"),
      "export function twice(n: number): number {\n  return n * 2;\n}\n",
    );
    expect(resultText((await run('import { twice } from "./helpers";\ntwice(21)')).outcome)).toBe("42");
    expect((await run('twice("no")')).outcome).toMatchObject({ status: "error", ename: "TypeScriptError" });
  });

  it("makes the last expression the result, shown like Node's REPL", async () => {
    expect(resultText((await run("'text'")).outcome)).toBe("'text'");
    expect(resultText((await run("({ a: [1, 2], b: { c: 'd' } })")).outcome)).toBe("{ a: [ 1, 2 ], b: { c: 'd' } }");
    expect((await run("const quiet = 3;")).outcome).toEqual({ status: "ok" });
    expect((await run("undefined")).outcome).toEqual({ status: "ok" });
  });

  it("reports a type error as TypeScriptError with line:column in cell coordinates", async () => {
    const { outcome } = await run("const a = 1;\nconst b: string = a;");
    expect(outcome).toMatchObject({ status: "error", ename: "TypeScriptError" });
    if (outcome.status !== "error") return;
    expect(outcome.evalue).toContain("2:7 - Type 'number' is not assignable to type 'string'.");
    expect(tracebackOf(outcome)).toContain("2:7 - Type 'number' is not assignable to type 'string'.");
  });

  it("names the cell line of a runtime error, past a multi-line interface", async () => {
    const { outcome } = await run(
      [
        "interface Shape {",
        "  width: number;",
        "}",
        "function area(s: Shape): number {",
        '  throw new Error("no area for " + s.width);',
        "}",
        "area({ width: 3 });",
      ].join("\n"),
    );
    expect(outcome).toMatchObject({ status: "error", ename: "Error", evalue: "no area for 3" });
    const traceback = tracebackOf(outcome);
    expect(traceback).toMatch(/Cell In\[\d+\], line 5/);
    expect(traceback).toMatch(/at area \(Cell In\[\d+\], line 5\)|----> +5 +throw/);
    expect(traceback).toMatch(/line 7/);
    expect(traceback).not.toContain("executor");
    expect(traceback).not.toContain("node:internal");
  });

  it("names the defining cell's line for a function of a cell many failing cells ago", async () => {
    const defined = await run('\n\nfunction failsLater(): never {\n  throw new RangeError("from an old cell");\n}');
    expect(defined.outcome.status).toBe("ok");
    // Twenty failing cells in between: each maps its own frames, so the old cell's map is parsed again on use.
    for (let i = 0; i < 20; i++) expect((await run(`\nthrow new Error("filler ${i}");`)).outcome.status).toBe("error");
    const { outcome } = await run("failsLater();");
    expect(outcome).toMatchObject({ status: "error", ename: "RangeError", evalue: "from an old cell" });
    expect(tracebackOf(outcome)).toMatch(/Cell In\[\d+\], line 4\n.*\n.*\n----> +4 +throw new RangeError/);
  });

  it("type-checks the call options of recurrent and attention layers (mask, initialState, useCausalMask)", async () => {
    const { outcome } = await run(
      [
        "const lstm = layers.LSTM(3, { returnSequences: true });",
        "const steps = nn.randn([1, 4, 2]);",
        "const masked = lstm(steps, { mask: nn.tensor([[1, 1, 0, 0]]), initialState: [nn.zeros([1, 3]), nn.zeros([1, 3])] });",
        "const both = layers.Bidirectional(layers.GRU(2))(steps, { mask: nn.tensor([[1, 1, 1, 0]]) });",
        "const attended = layers.Attention()([steps, steps], { useCausalMask: true });",
        "[masked.shape, both.shape, attended.shape].join(' | ')",
      ].join("\n"),
    );
    expect(outcome.status, tracebackOf(outcome)).toBe("ok");
    expect(resultText(outcome)).toBe("'1,4,3 | 1,4 | 1,4,2'");
  });

  it("takes keras.Model, keras.Sequential, keras.Layer, layers' classes and nn.Tensor as types, in later cells too", async () => {
    const defined = await run(
      [
        "function parameters(model: keras.Model): number { return model.countParams(); }",
        "function widths(model: keras.Sequential): number[] {",
        "  return model.layers.map((layer: keras.Layer) => (layer instanceof layers.Dense ? layer.units : 0));",
        "}",
        "const lastLayer = (model: keras.Sequential): layers.Layer => model.layers[model.layers.length - 1];",
        "const rows = (x: nn.Tensor): number[][] => x.toArray(2);",
        "let recurrent: layers.LSTM = layers.LSTM(2);",
      ].join("\n"),
    );
    expect(defined.outcome.status, tracebackOf(defined.outcome)).toBe("ok");
    const { outcome } = await run(
      [
        "import type { Tensor } from 'nnlab';",
        "const model: keras.Sequential = keras.Sequential([keras.Input({ shape: [3] }), layers.Dense(4), layers.Dense(2)]);",
        "const functional: keras.Model = keras.Model({ inputs: model.inputs, outputs: model.outputs[0] });",
        "const first: Tensor = rows(nn.ones([2, 3])).length === 2 ? nn.zeros([1]) : nn.ones([1]);",
        "recurrent = layers.LSTM(3);",
        "[parameters(functional), widths(model).join(','), lastLayer(model).name, first.item(), recurrent.units].join(' | ')",
      ].join("\n"),
    );
    expect(outcome.status, tracebackOf(outcome)).toBe("ok");
    expect(resultText(outcome)).toMatch(/^'26 \| 4,2 \| dense_\d+ \| 0 \| 3'$/);
  });

  it("takes every class of layers as a type of that name (layers.Dense, layers.LSTM, ...)", async () => {
    const classes = Object.entries(await import("../../runtime/keras/layers/index"))
      .filter(([, value]) => typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value)))
      .map(([name]) => name);
    expect(classes.length).toBeGreaterThan(60);
    const { outcome } = await run(classes.map((name) => `declare const of${name}: layers.${name};`).join("\n"));
    expect(outcome.status, tracebackOf(outcome)).toBe("ok");
  });

  it("names line 3 for an error thrown on line 3 after an interface", async () => {
    const { outcome } = await run('interface Config {\n  name: string;\n} throw new TypeError("bad config");');
    expect(outcome).toMatchObject({ status: "error", ename: "TypeError" });
    expect(tracebackOf(outcome)).toMatch(/Cell In\[\d+\], line 3/);
  });

  it("keeps the old value of a name whose redeclaring cell failed before assigning it", async () => {
    await run("const weights = [1, 2, 3];");
    expect((await run('const weights: number[] = (() => { throw new Error("bad init"); })();')).outcome.status).toBe(
      "error",
    );
    expect(resultText((await run("weights.length")).outcome)).toBe("3");
  });

  it("shows an Error value as a result with its cell line", async () => {
    const text = resultText((await run('\nconst made = new Error("as a value");\nmade')).outcome);
    expect(text).toMatch(/^Error: as a value\nCell In\[\d+\], line 2/);
  });

  it("maps cell lines in error.stack that a cell prints itself", async () => {
    const { out } = await run(
      '\n\ntry {\n  (JSON.parse("null") as { x: number }).x;\n} catch (e) {\n  console.log((e as Error).stack);\n}',
    );
    expect(out.text("stdout")).toMatch(
      /^TypeError: Cannot read properties of null \(reading 'x'\)\n {4}at Cell In\[\d+\], line 4\n?$/,
    );
  });

  it("reports a stack overflow as an ordinary RangeError", async () => {
    const { outcome } = await run("function down(n: number): number { return down(n + 1) + 1; }\ndown(0)");
    expect(outcome).toMatchObject({ status: "error", ename: "RangeError" });
    expect((await run("1 + 1")).outcome).toMatchObject({ status: "ok" });
  });

  it("lets a cell shadow a prelude name, in that cell and later ones", async () => {
    await run("const display = (x: number) => x * 2;");
    expect(resultText((await run("display(21)")).outcome)).toBe("42");
  });

  it("evaluates user expressions against the cell scope", async () => {
    await run("const answer = 42;");
    expect(session.executor.evaluateExpression("answer + 1")).toMatchObject({
      status: "ok",
      data: { "text/plain": "43" },
    });
    expect(session.executor.evaluateExpression("nope")).toMatchObject({ status: "error", ename: "TypeScriptError" });
  });
});
