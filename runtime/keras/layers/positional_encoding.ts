/**
 * PositionalEncoding: adds the Transformer's fixed sinusoidal position
 * signal to a sequence [batch, time, dim]:
 *   PE[p, 2i] = sin(p / maxWavelength^(2i / dim)), PE[p, 2i + 1] = cos(same).
 * No weights. (keras_hub's SinePositionEncoding returns the signal alone;
 * this layer returns inputs + signal so it fits in a Sequential stack.)
 */
import type { Tensor } from "../../tensor";
import { tensor } from "../../ops/creation";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { SymbolicShape } from "../utils/shape";
import { attachMask, maskOf } from "../recurrent/mask";
import { anyTime } from "../recurrent/shapes";

export interface PositionalEncodingOptions extends LayerOptions {
  /** The longest wavelength (default 10000, as in "Attention is all you need"). */
  maxWavelength?: number;
}

export class PositionalEncoding extends Layer {
  readonly maxWavelength: number;

  constructor(options: PositionalEncodingOptions = {}) {
    super(options);
    this.maxWavelength = options.maxWavelength ?? 10000;
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    if (shape.length !== 3 || typeof shape[2] !== "number")
      throw this.shapeError("expects input [batch, time, dim]", shape);
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const out = x.add(sinusoids(x.shape[1], x.shape[2], this.maxWavelength));
    const mask = maskOf(x);
    return mask ? attachMask(out, mask) : out;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), maxWavelength: this.maxWavelength };
  }
}

/** The [time, dim] sinusoid table. */
function sinusoids(time: number, dim: number, maxWavelength = 10000): Tensor {
  const values = new Float32Array(time * dim);
  for (let p = 0; p < time; p++) {
    for (let j = 0; j < dim; j++) {
      const angle = p / Math.pow(maxWavelength, (2 * Math.floor(j / 2)) / dim);
      values[p * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tensor(values, [time, dim]);
}

registerLayer("PositionalEncoding", (c) => new PositionalEncoding(c));
