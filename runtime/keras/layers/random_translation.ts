/**
 * RandomTranslation: while training, shifts each image by a random fraction of its height and width (a positive
 * height factor moves the image down, a positive width factor right), as Keras 3's; the identity at inference.
 */
import { registerLayer } from "../engine/serialization";
import type { LayerConfig } from "../engine/layer";
import { fromConfigOptions } from "./config";
import { RandomAffine, affineOptions, drawIn, factorRange, type Factor, type InverseMap } from "./random_affine";
import type { RandomAffineOptions } from "./random_affine";

export class RandomTranslation extends RandomAffine {
  readonly heightFactor: readonly [number, number];
  readonly widthFactor: readonly [number, number];

  /** `heightFactor` and `widthFactor`: fractions of the image, a number f for [-f, f] or a [lower, upper] pair. */
  constructor(heightFactor: Factor, widthFactor: Factor, options: RandomAffineOptions = {}) {
    super("RandomTranslation", options);
    this.heightFactor = factorRange("RandomTranslation", "heightFactor", heightFactor, 1);
    this.widthFactor = factorRange("RandomTranslation", "widthFactor", widthFactor, 1);
  }

  protected override drawTransform(height: number, width: number): InverseMap {
    const dy = drawIn(this.heightFactor) * height;
    const dx = drawIn(this.widthFactor) * width;
    return (x, y) => [x - dx, y - dy];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), height_factor: [...this.heightFactor], width_factor: [...this.widthFactor] };
  }
}

registerLayer(
  "RandomTranslation",
  (c) =>
    new RandomTranslation(c.height_factor as Factor, c.width_factor as Factor, {
      ...fromConfigOptions(c),
      ...affineOptions(c),
    }),
);
