/**
 * RandomRotation: while training, rotates each image about its centre by a random angle, given as a fraction of
 * a full turn (a factor of 0.1 means up to 36 degrees either way; positive is counter-clockwise), as Keras 3's;
 * the identity at inference.
 */
import { registerLayer } from "../engine/serialization";
import type { LayerConfig } from "../engine/layer";
import { fromConfigOptions } from "./config";
import { RandomAffine, affineOptions, drawIn, factorRange, type Factor, type InverseMap } from "./random_affine";
import type { RandomAffineOptions } from "./random_affine";

export class RandomRotation extends RandomAffine {
  readonly factor: readonly [number, number];

  /** `factor`: a fraction of a full turn, a number f for [-f, f] or a [lower, upper] pair. */
  constructor(factor: Factor, options: RandomAffineOptions = {}) {
    super("RandomRotation", options);
    this.factor = factorRange("RandomRotation", "factor", factor, 1);
  }

  protected override drawTransform(height: number, width: number): InverseMap {
    const angle = drawIn(this.factor) * 2 * Math.PI;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const cx = (width - 1) / 2;
    const cy = (height - 1) / 2;
    // Rows grow downwards, so a counter-clockwise turn on screen samples the input turned the other way.
    return (x, y) => {
      const dx = x - cx;
      const dy = y - cy;
      return [cos * dx - sin * dy + cx, sin * dx + cos * dy + cy];
    };
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), factor: [...this.factor] };
  }
}

registerLayer(
  "RandomRotation",
  (c) => new RandomRotation(c.factor as Factor, { ...fromConfigOptions(c), ...affineOptions(c) }),
);
