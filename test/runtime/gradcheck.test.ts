import { describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";
import { record } from "../../runtime/autograd";
import type { Tensor } from "../../runtime/tensor";
import { gradcheck } from "./gradcheck";

/** x^2 with a gradient that is off by a factor: what gradcheck exists to catch. */
function brokenSquare(x: Tensor): Tensor {
  const out = nn.noGrad(() => nn.square(x));
  return record("brokenSquare", out, [x], (dy) => [nn.mul(dy, nn.mul(x, 2.1))]);
}

describe("gradcheck", () => {
  it("reports a gradient that differs from finite differences, naming input and element", () => {
    const mismatch = gradcheck(brokenSquare, [nn.tensor([1, 2, 3])]);
    expect(mismatch).not.toBeNull();
    expect(mismatch!.input).toBe(0);
    expect(mismatch!.analytic / mismatch!.numeric).toBeCloseTo(2.1 / 2, 6);
  });

  it("accepts a correct gradient", () => {
    expect(gradcheck((x) => nn.square(x), [nn.tensor([1, 2, 3])])).toBeNull();
  });

  it("reports a missing gradient path as zero analytic gradient", () => {
    const detached = (x: Tensor): Tensor => nn.mul(x.detach(), x.detach());
    expect(gradcheck((x) => nn.add(detached(x), nn.mul(x, 0)), [nn.tensor([1, 2])])).not.toBeNull();
  });
});
