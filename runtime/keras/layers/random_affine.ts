/**
 * The image augmentation layers that move pixels (RandomTranslation, RandomRotation), as Keras 3's: while
 * training, each image of a channels-last batch [batch, height, width, channels] gets its own random transform,
 * sampled with bilinear (or nearest) interpolation and the edges filled as `fillMode` says; at inference they are
 * the identity. The transforms come from the runtime's seeded generator, so nn.seed makes a run repeatable. They
 * augment input data: no gradient flows through them.
 */
import type { Tensor } from "../../tensor";
import { tensor } from "../../ops/creation";
import { nextUniform } from "../../random";
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { TrainingNoise } from "./training_noise";

export type FillMode = "reflect" | "wrap" | "constant" | "nearest";
export type Interpolation = "bilinear" | "nearest";
const FILL_MODES: readonly FillMode[] = ["reflect", "wrap", "constant", "nearest"];
const INTERPOLATIONS: readonly Interpolation[] = ["bilinear", "nearest"];

export interface RandomAffineOptions extends LayerOptions {
  /** How points outside the image are filled (default "reflect", as in Keras). */
  fillMode?: FillMode;
  /** "bilinear" (default) or "nearest". */
  interpolation?: Interpolation;
  /** The value outside the image when fillMode is "constant" (default 0). */
  fillValue?: number;
}

/** A factor as Keras takes it: a number f means [-f, f], a pair [lower, upper] is the range itself. */
export type Factor = number | readonly [number, number];

/** Where an output pixel samples its input: input (x, y) from output (x, y), for one image. */
export type InverseMap = (x: number, y: number) => readonly [number, number];

export abstract class RandomAffine extends TrainingNoise {
  readonly fillMode: FillMode;
  readonly interpolation: Interpolation;
  readonly fillValue: number;

  constructor(
    protected readonly who: string,
    options: RandomAffineOptions,
  ) {
    super(options);
    this.fillMode = options.fillMode ?? "reflect";
    this.interpolation = options.interpolation ?? "bilinear";
    this.fillValue = options.fillValue ?? 0;
    if (!FILL_MODES.includes(this.fillMode))
      throw new Error(`${who}: fillMode must be one of ${FILL_MODES.join(", ")}, got ${JSON.stringify(this.fillMode)}`);
    if (!INTERPOLATIONS.includes(this.interpolation))
      throw new Error(
        `${who}: interpolation must be one of ${INTERPOLATIONS.join(", ")}, got ${JSON.stringify(this.interpolation)}`,
      );
    if (!Number.isFinite(this.fillValue)) throw new Error(`${who}: fillValue must be a finite number`);
  }

  /** The inverse map of one image's random transform, drawn from the seeded generator. */
  protected abstract drawTransform(height: number, width: number): InverseMap;

  protected override addNoise(x: Tensor): Tensor {
    if (x.shape.length !== 4)
      throw new Error(
        `${this.who} "${this.name}": expects images [batch, height, width, channels], got shape [${x.shape.join(", ")}]`,
      );
    const [batch, height, width, channels] = x.shape;
    const source = x.dataSync();
    const out = new Float32Array(source.length);
    const imageSize = height * width * channels;
    for (let b = 0; b < batch; b++) {
      const inverse = this.drawTransform(height, width);
      this.warp(source, out, b * imageSize, height, width, channels, inverse);
    }
    return tensor(out, [...x.shape]);
  }

  private warp(
    source: ArrayLike<number>,
    out: Float32Array,
    offset: number,
    height: number,
    width: number,
    channels: number,
    inverse: InverseMap,
  ): void {
    const at = (row: number, col: number, c: number): number => {
      const r = this.fold(row, height);
      const k = this.fold(col, width);
      if (r < 0 || k < 0) return this.fillValue;
      return source[offset + (r * width + k) * channels + c];
    };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [sx, sy] = inverse(x, y);
        const target = offset + (y * width + x) * channels;
        if (this.interpolation === "nearest") {
          const row = Math.round(sy);
          const col = Math.round(sx);
          for (let c = 0; c < channels; c++) out[target + c] = at(row, col, c);
          continue;
        }
        const row0 = Math.floor(sy);
        const col0 = Math.floor(sx);
        const fy = sy - row0;
        const fx = sx - col0;
        for (let c = 0; c < channels; c++) {
          const top = at(row0, col0, c) * (1 - fx) + at(row0, col0 + 1, c) * fx;
          const bottom = at(row0 + 1, col0, c) * (1 - fx) + at(row0 + 1, col0 + 1, c) * fx;
          out[target + c] = top * (1 - fy) + bottom * fy;
        }
      }
    }
  }

  /** An index outside [0, size) folded back as fillMode says; -1 for "constant" (use fillValue). */
  private fold(i: number, size: number): number {
    if (i >= 0 && i < size) return i;
    switch (this.fillMode) {
      case "constant":
        return -1;
      case "nearest":
        return i < 0 ? 0 : size - 1;
      case "wrap":
        return ((i % size) + size) % size;
      case "reflect": {
        // d c b a | a b c d | d c b a: the edge pixel is repeated.
        const period = 2 * size;
        const m = ((i % period) + period) % period;
        return m < size ? m : period - 1 - m;
      }
    }
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      fill_mode: this.fillMode,
      interpolation: this.interpolation,
      fill_value: this.fillValue,
    };
  }
}

/** A factor as a [lower, upper] range, checked. */
export function factorRange(who: string, what: string, factor: Factor, limit: number): readonly [number, number] {
  const range: readonly [number, number] = typeof factor === "number" ? [-Math.abs(factor), Math.abs(factor)] : factor;
  const ok =
    Array.isArray(range) &&
    range.length === 2 &&
    range.every((v) => Number.isFinite(v) && Math.abs(v) <= limit) &&
    range[0] <= range[1];
  if (!ok)
    throw new Error(
      `${who}: ${what} must be a number or a [lower, upper] pair with lower <= upper, each between -${limit} and ${limit}; ` +
        `got ${JSON.stringify(factor)}`,
    );
  return range;
}

/** A uniform draw in [lower, upper] from the seeded generator. */
export function drawIn([lower, upper]: readonly [number, number]): number {
  return lower === upper ? lower : lower + (upper - lower) * nextUniform();
}

/** The config keys every augmentation layer shares, back as constructor options. */
export function affineOptions(c: LayerConfig): RandomAffineOptions {
  return {
    fillMode: c.fill_mode as FillMode | undefined,
    interpolation: c.interpolation as Interpolation | undefined,
    fillValue: c.fill_value as number | undefined,
  };
}
