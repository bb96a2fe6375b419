/**
 * PositionEmbedding: a learned vector per position (keras_hub's
 * PositionEmbedding), weight "embeddings" [sequenceLength, dim]; adds the
 * first `time` rows to a sequence [batch, time, dim] (time <= sequenceLength).
 * sequenceLength * dim parameters.
 */
import type { Tensor } from "../../tensor";
import type { InitializerIdentifier } from "../initializers";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import { attachMask, maskOf } from "../recurrent/mask";
import { anyTime } from "../recurrent/shapes";

export interface PositionEmbeddingOptions extends LayerOptions {
  /** Default glorot_uniform (keras_hub's default). */
  initializer?: InitializerIdentifier;
}

export class PositionEmbedding extends Layer {
  readonly sequenceLength: number;
  embeddings: Weight | null = null;
  private readonly initializer: InitializerIdentifier;

  constructor(sequenceLength: number, options: PositionEmbeddingOptions = {}) {
    super(options);
    if (!(Number.isInteger(sequenceLength) && sequenceLength > 0))
      throw new Error(`PositionEmbedding: sequenceLength must be a positive integer, got ${sequenceLength}`);
    this.sequenceLength = sequenceLength;
    this.initializer = options.initializer ?? "glorot_uniform";
  }

  /** Built once, callable on sequences of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    super.ensureBuilt(anyTime(inputShape));
  }

  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    if (shape.length !== 3 || typeof shape[2] !== "number")
      throw this.shapeError("expects input [batch, time, dim]", shape);
    if (typeof shape[1] === "number" && shape[1] > this.sequenceLength) {
      throw this.shapeError(`has positions for sequences up to ${this.sequenceLength} steps`, shape);
    }
    this.embeddings = this.addWeight("embeddings", [this.sequenceLength, shape[2]], { initializer: this.initializer });
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const [, time, dim] = x.shape;
    if (time > this.sequenceLength)
      throw new Error(
        `${this.describe()}: sequence of ${time} steps is longer than sequenceLength ${this.sequenceLength}`,
      );
    const out = x.add(this.embeddings!.value.slice([0, 0], [time, dim]));
    const mask = maskOf(x);
    return mask ? attachMask(out, mask) : out;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), sequenceLength: this.sequenceLength };
  }
}

registerLayer("PositionEmbedding", (c) => new PositionEmbedding(c.sequenceLength as number, c));
