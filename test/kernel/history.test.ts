import { describe, expect, it } from "vitest";
import { globToRegExp, History } from "../../kernel/protocol/history";

function history(): History {
  const h = new History();
  h.add(1, "const a = 1;");
  h.add(2, "a + 1");
  h.setOutput(2, "2");
  h.add(3, "const b = 2;");
  h.add(4, "a + 1");
  return h;
}

describe("history", () => {
  it("returns the last n inputs for tail", () => {
    expect(history().tail(2, false)).toEqual([
      [1, 3, "const b = 2;"],
      [1, 4, "a + 1"],
    ]);
  });

  it("returns lines start to stop (exclusive) of the current session for range, with outputs when asked", () => {
    expect(history().range(0, 2, 4, true)).toEqual([
      [1, 2, ["a + 1", "2"]],
      [1, 3, ["const b = 2;", null]],
    ]);
    expect(history().range(7, 1, 0, false)).toEqual([]);
  });

  it("searches with a glob, newest n, optionally unique", () => {
    expect(
      history()
        .search("const*", 0, false, false)
        .map((entry) => entry[1]),
    ).toEqual([1, 3]);
    expect(history().search("a ?*", 0, true, false)).toEqual([[1, 4, "a + 1"]]);
    expect(history().search("*", 1, false, false)).toEqual([[1, 4, "a + 1"]]);
  });

  it("translates sqlite GLOB syntax, treating regex characters literally", () => {
    expect(globToRegExp("a.b*").test("a.bcd")).toBe(true);
    expect(globToRegExp("a.b*").test("axbcd")).toBe(false);
    expect(globToRegExp("[ab]x").test("bx")).toBe(true);
    expect(globToRegExp("[^ab]x").test("ax")).toBe(false);
    expect(globToRegExp("x?").test("x\n")).toBe(true);
  });
});
