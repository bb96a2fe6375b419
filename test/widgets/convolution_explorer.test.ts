/**
 * viz.convolutionExplorer's arithmetic in plain Node: the lecture's symbolic example, stride and padding,
 * a real MNIST digit with a 3x3 filter checked against the runtime's own conv2d, and its PNG snapshot.
 */
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { display, loadMnist, nn, viz } from "../../runtime";

describe("viz.convolutionExplorer", () => {
  it("writes the lecture's product terms and steps the receptive field over a..p", () => {
    const explorer = new viz.ConvolutionExplorer();
    expect(explorer.outputShape()).toEqual([3, 3]);
    expect(explorer.stepAt()).toEqual({
      output: [0, 0],
      field: [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      formula: "aw + bx + ey + fz",
    });
    explorer.next.click();
    expect(explorer.stepAt().formula).toBe("bw + cx + fy + gz");
    expect(explorer.view.value).toContain("bw + cx + fy + gz");
    explorer.step(-2);
    expect(explorer.position.value).toBe(8);
    expect(explorer.stepAt().formula).toBe("kw + lx + oy + pz");
  });

  it("follows stride and padding: the output shrinks or grows, padded cells are zeros", () => {
    const explorer = new viz.ConvolutionExplorer();
    explorer.stride.value = 2;
    expect(explorer.outputShape()).toEqual([2, 2]);
    explorer.position.value = 3;
    expect(explorer.stepAt().formula).toBe("kw + lx + oy + pz");
    explorer.stride.value = 1;
    explorer.padding.value = 1;
    expect(explorer.outputShape()).toEqual([5, 5]);
    explorer.position.value = 0;
    expect(explorer.stepAt().formula).toBe("0w + 0x + 0y + az");
  });

  it("computes an MNIST digit with a 3x3 filter as conv2d does", () => {
    const [, [x]] = loadMnist({ train: 1, test: 1 });
    const digit = x.reshape([28, 28, 1]).div(255);
    const kernel = [
      [-1, 0, 1],
      [-2, 0, 2],
      [-1, 0, 1],
    ];
    const explorer = new viz.ConvolutionExplorer(digit, kernel);
    expect(explorer.outputShape()).toEqual([26, 26]);
    const expected = nn.conv2d(digit.reshape([1, 28, 28, 1]), nn.tensor(kernel).reshape([3, 3, 1, 1])).dataSync();
    for (const position of [0, 300, 26 * 13 + 12, 675]) {
      const step = explorer.stepAt(position);
      expect(step.value).toBeCloseTo(expected[position], 5);
      expect(step.formula.split(" + ")).toHaveLength(9);
    }
    const bundle = display.bundleOf(explorer);
    const png = PNG.sync.read(Buffer.from(bundle["image/png"] as string, "base64"));
    expect(png.width).toBeGreaterThan(28 * 8);
    expect(bundle["text/plain"]).toMatch(/^ConvolutionExplorer: .* = /);
  });

  it("refuses a kernel larger than the image, and one of two inputs without the other", () => {
    expect(() => new viz.ConvolutionExplorer([[1, 2]], [[1], [2], [3]])).toThrow(
      "the 3x1 kernel is larger than the 1x2 image",
    );
    expect(() => viz.convolutionExplorer([[1]])).toThrow("give both an image and a kernel, or neither");
  });
});
