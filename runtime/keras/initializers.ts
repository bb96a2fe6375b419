/**
 * Weight initialisers with Keras's names, defaults and maths (Keras's
 * VarianceScaling family: glorot/he/lecun, uniform or truncated normal).
 * An initializer turns a weight shape into its starting values.
 */
import { randomNormal, randomUniform01 } from "./utils/random";
import { resolveIdentifier } from "./utils/identifiers";

export interface Initializer {
  readonly className: string;
  getConfig(): Record<string, unknown>;
  /** Starting values for a weight of `shape`, row-major. */
  generate(shape: readonly number[]): Float32Array;
}

export type InitializerIdentifier = string | Initializer;

export type FanMode = "fan_in" | "fan_out" | "fan_avg";
export type Distribution = "truncated_normal" | "untruncated_normal" | "normal" | "uniform";

export class Constant implements Initializer {
  readonly className: string = "Constant";
  constructor(readonly value = 0) {}
  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
  generate(shape: readonly number[]): Float32Array {
    return new Float32Array(count(shape)).fill(this.value);
  }
}

export class Zeros extends Constant {
  override readonly className = "Zeros";
  constructor() {
    super(0);
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

export class Ones extends Constant {
  override readonly className = "Ones";
  constructor() {
    super(1);
  }
  override getConfig(): Record<string, unknown> {
    return {};
  }
}

export class RandomNormal implements Initializer {
  readonly className: string = "RandomNormal";
  readonly mean: number;
  readonly stddev: number;
  constructor(options: { mean?: number; stddev?: number } = {}) {
    this.mean = options.mean ?? 0;
    this.stddev = options.stddev ?? 0.05;
  }
  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev };
  }
  generate(shape: readonly number[]): Float32Array {
    return Float32Array.from({ length: count(shape) }, () => this.mean + this.stddev * this.sample());
  }
  protected sample(): number {
    return randomNormal();
  }
}

/** A normal cut at two standard deviations (redrawn outside), as Keras's TruncatedNormal. */
export class TruncatedNormal extends RandomNormal {
  override readonly className = "TruncatedNormal";
  protected override sample(): number {
    return truncatedNormal();
  }
}

export class RandomUniform implements Initializer {
  readonly className = "RandomUniform";
  readonly minval: number;
  readonly maxval: number;
  constructor(options: { minval?: number; maxval?: number } = {}) {
    this.minval = options.minval ?? -0.05;
    this.maxval = options.maxval ?? 0.05;
  }
  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval };
  }
  generate(shape: readonly number[]): Float32Array {
    const span = this.maxval - this.minval;
    return Float32Array.from({ length: count(shape) }, () => this.minval + span * randomUniform01());
  }
}

/**
 * Keras's VarianceScaling: scale divided by the chosen fan; "uniform" draws
 * from [-sqrt(3 s), sqrt(3 s)], "truncated_normal" from a normal cut at two
 * standard deviations whose stddev is corrected so the variance is still s.
 */
export class VarianceScaling implements Initializer {
  readonly className: string = "VarianceScaling";
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  constructor(options: { scale?: number; mode?: FanMode; distribution?: Distribution } = {}) {
    this.scale = options.scale ?? 1;
    this.mode = options.mode ?? "fan_in";
    this.distribution = options.distribution ?? "truncated_normal";
    if (!(this.scale > 0)) throw new Error(`VarianceScaling: scale must be positive, got ${this.scale}`);
  }
  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution };
  }
  generate(shape: readonly number[]): Float32Array {
    const [fanIn, fanOut] = computeFans(shape);
    const fan = this.mode === "fan_in" ? fanIn : this.mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, fan);
    const n = count(shape);
    if (this.distribution === "uniform") {
      const limit = Math.sqrt(3 * variance);
      return Float32Array.from({ length: n }, () => limit * (2 * randomUniform01() - 1));
    }
    if (this.distribution === "truncated_normal") {
      // 0.8796... is the stddev of a standard normal truncated to [-2, 2].
      const stddev = Math.sqrt(variance) / 0.87962566103423978;
      return Float32Array.from({ length: n }, () => stddev * truncatedNormal());
    }
    const stddev = Math.sqrt(variance);
    return Float32Array.from({ length: n }, () => stddev * randomNormal());
  }
}

function scaled(className: string, scale: number, mode: FanMode, distribution: Distribution) {
  return class extends VarianceScaling {
    override readonly className = className;
    constructor() {
      super({ scale, mode, distribution });
    }
    override getConfig() {
      return {};
    }
  };
}

export const GlorotUniform = scaled("GlorotUniform", 1, "fan_avg", "uniform");
export const GlorotNormal = scaled("GlorotNormal", 1, "fan_avg", "truncated_normal");
export const HeNormal = scaled("HeNormal", 2, "fan_in", "truncated_normal");
export const HeUniform = scaled("HeUniform", 2, "fan_in", "uniform");
export const LecunNormal = scaled("LecunNormal", 1, "fan_in", "truncated_normal");
export const LecunUniform = scaled("LecunUniform", 1, "fan_in", "uniform");

const byName: Record<string, () => Initializer> = {
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: () => new Constant(),
  random_normal: () => new RandomNormal(),
  random_uniform: () => new RandomUniform(),
  truncated_normal: () => new TruncatedNormal(),
  variance_scaling: () => new VarianceScaling(),
  glorot_uniform: () => new GlorotUniform(),
  glorot_normal: () => new GlorotNormal(),
  he_normal: () => new HeNormal(),
  he_uniform: () => new HeUniform(),
  lecun_normal: () => new LecunNormal(),
  lecun_uniform: () => new LecunUniform(),
};

/** An initializer from a Keras identifier ("he_normal", "heNormal", "HeNormal") or an initializer object. */
export function getInitializer(id: InitializerIdentifier): Initializer {
  return typeof id === "string" ? resolveIdentifier("initializer", id, byName)() : id;
}

/** The identifier an initializer is saved as, and the inverse of it. */
export function serializeInitializer(init: Initializer): { className: string; config: Record<string, unknown> } {
  return { className: init.className, config: init.getConfig() };
}

export function deserializeInitializer(spec: { className: string; config: Record<string, unknown> }): Initializer {
  switch (spec.className) {
    case "Constant":
      return new Constant(spec.config.value as number);
    case "RandomNormal":
      return new RandomNormal(spec.config);
    case "TruncatedNormal":
      return new TruncatedNormal(spec.config);
    case "RandomUniform":
      return new RandomUniform(spec.config);
    case "VarianceScaling":
      return new VarianceScaling(spec.config);
    default:
      return getInitializer(spec.className);
  }
}

/** Keras's fan computation: dense kernels [in, out]; conv kernels [..spatial, in, out] scale by the receptive field. */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function truncatedNormal(): number {
  for (;;) {
    const z = randomNormal();
    if (Math.abs(z) <= 2) return z;
  }
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
