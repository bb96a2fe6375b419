/**
 * What `help(x)` says about a value it has no TypeScript description for (the executor passes the
 * signature and doc comment of names it can resolve; this covers everything else at run time).
 */
import { inspect } from "node:util";

const OVERVIEW = `nnlab prelude (usable in every cell without importing):
  nn, keras, layers, viz   the neural-network runtime (where this build has it)
  display(x)               show a value richly; display.html/markdown/svg/png/jpeg/json/latex
  display(x, { id: true }) returns a handle: handle.update(y) replaces the output
  clearOutput({ wait })    clear the cell's output
  help(x)                  this pager: the signature and documentation of x
  await input("prompt")    read a line from the front end ({ password: true } hides it)
Press Tab to complete, Shift+Tab to see a signature.`;

export function describeValue(value: unknown): string {
  if (value === undefined) return OVERVIEW;
  if (typeof value === "function") return describeFunction(value);
  const preview = inspect(value, { depth: 1, colors: false, maxArrayLength: 20, breakLength: 100 });
  if (typeof value !== "object" || value === null) return `${typeof value}: ${preview}`;
  const lines = [`${value.constructor?.name ?? "Object"} instance`];
  const members = memberNames(value);
  if (members.length > 0) lines.push(`members: ${members.join(", ")}`);
  lines.push("", preview);
  return lines.join("\n");
}

/** What help() reads of a function or class (it never calls it). */
interface FunctionValue {
  readonly name: string;
  readonly length: number;
  /** A class's prototype; arrow functions have none. */
  readonly prototype: unknown;
}

function describeFunction(fn: FunctionValue): string {
  const source = Function.prototype.toString.call(fn);
  const isClass = /^class\b/.test(source);
  const head = source.slice(0, source.indexOf("{") > 0 ? source.indexOf("{") : undefined).trim();
  const lines = [isClass ? `class ${fn.name}` : `function ${fn.name || "(anonymous)"} (${fn.length} parameters)`];
  if (!isClass && head && !source.includes("[native code]")) lines.push(`signature: ${head}`);
  const statics = memberNames(fn).filter((n) => !["length", "name", "prototype"].includes(n));
  if (statics.length > 0) lines.push(`members: ${statics.join(", ")}`);
  if (isClass)
    lines.push(
      `methods: ${memberNames(fn.prototype as object)
        .filter((n) => n !== "constructor")
        .join(", ")}`,
    );
  return lines.join("\n");
}

/** Own and inherited member names, without Object.prototype's. */
function memberNames(value: object): string[] {
  const names = new Set<string>();
  for (
    let o: object | null = value;
    o && o !== Object.prototype && o !== Function.prototype;
    o = Object.getPrototypeOf(o) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(o)) if (!name.startsWith("_")) names.add(name);
  }
  return [...names].slice(0, 40);
}
