import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";
import { bundleOf } from "../../runtime/display";

describe("tensor display", () => {
  it("text/plain reads like NumPy's repr with aligned columns, shape and dtype", () => {
    expect(
      String(
        nn.tensor([
          [1, -2.5],
          [3, 4],
        ]),
      ),
    ).toBe("Tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]], shape=[2,2], dtype=float32)");
    expect(String(nn.tensor([1, 2]))).toBe("Tensor([1., 2.], shape=[2], dtype=float32)");
    expect(String(nn.arange(3))).toBe("Tensor([0, 1, 2], shape=[3], dtype=int32)");
    expect(String(nn.tensor(7))).toBe("Tensor(7., shape=[], dtype=float32)");
    expect(String(nn.tensor([1e-9, 1]))).toBe("Tensor([1.0000e-9, 1.0000e+0], shape=[2], dtype=float32)");
  });

  it("elides the middle of long axes with ...", () => {
    const text = String(nn.arange(2000).reshape([2, 1000]));
    expect(text).toBe(
      "Tensor([[   0,    1,    2, ...,  997,  998,  999],\n        [1000, 1001, 1002, ..., 1997, 1998, 1999]], shape=[2,1000], dtype=int32)",
    );
  });

  it("separates blocks of 3-D tensors with a blank line", () => {
    expect(String(nn.arange(4).reshape([2, 1, 2]))).toBe(
      "Tensor([[[0, 1]],\n\n        [[2, 3]]], shape=[2,1,2], dtype=int32)",
    );
  });

  it("Jupyter bundles carry text/plain and, for small 1-D and 2-D tensors, an HTML table", () => {
    const bundle = bundleOf(
      nn.tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(bundle["text/plain"]).toContain("shape=[2,2]");
    expect(bundle["text/html"]).toContain("<table");
    expect(bundle["text/html"]).toContain('<td style="padding:2px 6px;text-align:right;font-family:monospace">4.</td>');
    expect(bundleOf(nn.zeros([2, 2, 2]))["text/html"]).toBeUndefined();
    expect(bundleOf(nn.zeros([100]))["text/html"]).toBeUndefined();
  });

  it("util.inspect and disposed tensors show sensibly", () => {
    const t = nn.tensor([1]);
    expect(inspect(t)).toBe("Tensor([1.], shape=[1], dtype=float32)");
    t.dispose();
    expect(inspect(t)).toBe("Tensor(<disposed>, shape=[1], dtype=float32)");
  });
});
