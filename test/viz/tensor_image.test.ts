import { describe, expect, it } from "vitest";
import { GRID } from "../../runtime/viz/grid";
import { tensorImageBundle } from "../../runtime/viz/tensor_image";
import { decodePng, fakeTensor } from "./decode";

const { MARGIN } = GRID;

describe("tensorImageBundle", () => {
  it("shows a [28, 28] tensor as a 4x upscaled grayscale PNG with a text summary", () => {
    const data = Array.from({ length: 784 }, (_, i) => (i === 0 ? 1 : 0));
    const bundle = tensorImageBundle(fakeTensor([28, 28], data));
    expect(bundle?.["text/plain"]).toBe("Tensor 28x28, shown as an image over 0..1");
    const png = decodePng(bundle!);
    expect([png.width, png.height]).toEqual([112 + 2 * MARGIN, 112 + 2 * MARGIN]);
    expect(png.rgb(MARGIN + 3, MARGIN + 3)).toEqual([255, 255, 255]);
    expect(png.rgb(MARGIN + 4, MARGIN)).toEqual([0, 0, 0]);
  });

  it("shows [H, W, 1] as grayscale and [H, W, 3] as colour", () => {
    expect(decodePng(tensorImageBundle(fakeTensor([2, 2, 1], [0, 0, 0, 1]))!).rgb(MARGIN, MARGIN)).toEqual([0, 0, 0]);
    const rgb = decodePng(tensorImageBundle(fakeTensor([1, 1, 3], [0, 0, 255]))!);
    expect(rgb.rgb(MARGIN, MARGIN)).toEqual([0, 0, 255]);
  });

  it("keeps the caller's text/plain", () => {
    expect(tensorImageBundle([[0, 1]], { text: "Tensor([[0, 1]])" })?.["text/plain"]).toBe("Tensor([[0, 1]])");
  });

  it("returns null for shapes that are not pictures, so the caller falls back to text", () => {
    expect(tensorImageBundle(fakeTensor([10], new Float32Array(10)))).toBeNull();
    expect(tensorImageBundle(fakeTensor([4, 4, 7], new Float32Array(112)))).toBeNull();
    expect(tensorImageBundle(fakeTensor([2, 28, 28, 1], new Float32Array(1568)))).toBeNull();
  });
});
