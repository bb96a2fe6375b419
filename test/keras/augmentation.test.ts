/**
 * The augmentation layers RandomTranslation and RandomRotation: the identity at inference, one random transform
 * per image in training (repeatable under nn.seed), the directions Keras documents (positive height factor moves
 * the image down, positive rotation is counter-clockwise), the fill modes, and clear errors. The expected pixels of
 * the fixed transforms below are those Keras 3.15.1 gives for the same layers (checked with its TensorFlow backend).
 */
import { describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import { layerFromConfig } from "../../runtime/keras/engine/serialization";
import { nn } from "../../runtime/nn";

/** A 4x4 one-channel image 0..15, row by row, as a batch of one. */
const grid = () =>
  nn.tensor(
    Array.from({ length: 16 }, (_, i) => i),
    [1, 4, 4, 1],
  );
const rows = (t: { dataSync(): ArrayLike<number> }, size = 4) => {
  const v = Array.from(t.dataSync(), (x) => Math.round(x * 1e4) / 1e4);
  return Array.from({ length: v.length / size }, (_, r) => v.slice(r * size, (r + 1) * size));
};

describe("RandomTranslation", () => {
  it("moves the image down and right by the drawn fraction, edges reflected (Keras's default fill)", () => {
    const shift = layers.RandomTranslation([0.25, 0.25], [0.5, 0.5]);
    expect(rows(shift(grid(), { training: true }))).toEqual([
      // one row down (0.25 of 4), two columns right (0.5 of 4); reflect repeats the edge: d c b a | a b c d
      [1, 0, 0, 1],
      [1, 0, 0, 1],
      [5, 4, 4, 5],
      [9, 8, 8, 9],
    ]);
  });

  it("fills with a constant, the nearest edge pixel or the wrapped-around image when asked", () => {
    const down = (fillMode: "constant" | "nearest" | "wrap") =>
      rows(layers.RandomTranslation([0.5, 0.5], 0, { fillMode, fillValue: -1 })(grid(), { training: true }));
    expect(down("constant")).toEqual([
      [-1, -1, -1, -1],
      [-1, -1, -1, -1],
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(down("nearest")).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(down("wrap")).toEqual([
      [8, 9, 10, 11],
      [12, 13, 14, 15],
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it("interpolates a half-pixel shift bilinearly", () => {
    const half = layers.RandomTranslation(0, [0.125, 0.125], { fillMode: "nearest" });
    expect(rows(half(grid(), { training: true }))[0]).toEqual([0, 0.5, 1.5, 2.5]);
  });
});

describe("RandomRotation", () => {
  it("turns the image a quarter turn counter-clockwise for factor 0.25 (the right column becomes the top row)", () => {
    const turn = layers.RandomRotation([0.25, 0.25]);
    expect(rows(turn(grid(), { training: true }))).toEqual([
      [3, 7, 11, 15],
      [2, 6, 10, 14],
      [1, 5, 9, 13],
      [0, 4, 8, 12],
    ]);
  });

  it("a half turn is the image upside down, every channel alike", () => {
    const image = nn.stack([grid(), grid().mul(-1)], -1).reshape([1, 4, 4, 2]);
    const turned = layers.RandomRotation([0.5, 0.5])(image, { training: true });
    const v = Array.from(turned.dataSync(), (x) => Math.round(x * 1e4) / 1e4);
    expect(v.filter((_, i) => i % 2 === 0)).toEqual(Array.from({ length: 16 }, (_, i) => 15 - i));
    expect(v.filter((_, i) => i % 2 === 1)).toEqual(Array.from({ length: 16 }, (_, i) => -(15 - i)));
  });
});

describe("against Keras 3", () => {
  // Keras 3.15.1 (TensorFlow backend): keras.layers.RandomRotation((0.05, 0.05))(np.arange(64.0).reshape(1, 8, 8, 1),
  // training=True), rounded to 3 decimals: an 18-degree turn, bilinear, reflected edges.
  const KERAS_ROTATION_18_DEGREES = [
    1.253, 2.204, 3.155, 4.24, 7.664, 11.087, 14.51, 17.023, 1.27, 4.693, 8.117, 11.54, 14.963, 18.386, 21.809, 24.631,
    8.57, 11.993, 15.416, 18.839, 22.262, 25.686, 29.109, 32.24, 15.869, 19.292, 22.715, 26.139, 29.562, 32.985, 36.408,
    39.831, 23.169, 26.592, 30.015, 33.438, 36.861, 40.285, 43.708, 47.131, 30.76, 33.891, 37.314, 40.738, 44.161,
    47.584, 51.007, 54.43, 38.369, 41.191, 44.614, 48.037, 51.46, 54.883, 58.307, 61.73, 45.977, 48.49, 51.913, 55.336,
    58.76, 59.845, 60.796, 61.747,
  ];

  it("an 18-degree rotation of an 8x8 image gives Keras's pixels (to 2e-3)", () => {
    const x = nn.tensor(
      Array.from({ length: 64 }, (_, i) => i),
      [1, 8, 8, 1],
    );
    const turned = Array.from(layers.RandomRotation([0.05, 0.05])(x, { training: true }).dataSync());
    turned.forEach((v, i) => expect(Math.abs(v - KERAS_ROTATION_18_DEGREES[i])).toBeLessThan(2e-3));
  });
});

describe("both augmentation layers", () => {
  const make = () => [layers.RandomTranslation(0.2, 0.2), layers.RandomRotation(0.1)];

  it("are the identity at inference and in predict, and keep the shape", () => {
    const x = nn.rand([3, 8, 8, 2]);
    for (const layer of make()) {
      expect(Array.from(layer(x).dataSync())).toEqual(Array.from(x.dataSync()));
      const model = keras.Sequential([keras.Input({ shape: [8, 8, 2] }), layer]);
      expect(Array.from(model.predict(x, { verbose: 0 }).dataSync())).toEqual(Array.from(x.dataSync()));
      expect([...model.outputShape]).toEqual([null, 8, 8, 2]);
    }
  });

  it("draw one transform per image, repeatable under nn.seed", () => {
    const x = nn.tensor(
      Array.from({ length: 2 * 64 }, (_, i) => i % 64),
      [2, 8, 8, 1],
    );
    for (const layer of make()) {
      nn.seed(3);
      const first = Array.from(layer(x, { training: true }).dataSync());
      nn.seed(3);
      const again = Array.from(layer(x, { training: true }).dataSync());
      expect(again).toEqual(first);
      expect(first.slice(0, 64)).not.toEqual(first.slice(64)); // the two equal images moved differently
      expect(first).not.toEqual(Array.from(x.dataSync()));
    }
  });

  it("round-trip through their config", () => {
    for (const layer of [
      layers.RandomTranslation([-0.1, 0.2], 0.3, { fillMode: "constant", fillValue: 0.5, interpolation: "nearest" }),
      layers.RandomRotation(0.05, { fillMode: "wrap" }),
    ]) {
      const config = layer.getConfig();
      expect(layerFromConfig(layer.constructor.name, config).getConfig()).toEqual(config);
    }
  });

  it("refuse bad options and non-image input with the layer and the value in the message", () => {
    expect(() => layers.RandomRotation(2)).toThrow(/RandomRotation: factor must be .* between -1 and 1; got 2/);
    expect(() => layers.RandomTranslation([0.3, 0.1], 0)).toThrow(/heightFactor .* lower <= upper.*\[0\.3,0\.1\]/);
    expect(() => layers.RandomTranslation(0.1, 0.1, { fillMode: "mirror" as never })).toThrow(
      /fillMode must be one of reflect, wrap, constant, nearest, got "mirror"/,
    );
    expect(() => layers.RandomRotation(0.1)(nn.ones([2, 8]), { training: true })).toThrow(
      /RandomRotation "random_rotation.*": expects images \[batch, height, width, channels\], got shape \[2, 8\]/,
    );
  });
});
