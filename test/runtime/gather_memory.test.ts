import { expect, it } from "vitest";
import { nn } from "../../runtime/nn";

it("gather's result frees its storage when disposed, without waiting for the garbage collector", () => {
  const x = nn.tensor([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  const before = nn.memory();
  const rows = x.gather([2, 0], 0);
  expect(rows.toArray()).toEqual([
    [5, 6],
    [1, 2],
  ]);
  rows.dispose();
  expect(nn.memory().storages).toBe(before.storages);
  expect(nn.memory().bytes).toBe(before.bytes);
});
