/**
 * Embedding: integer ids (0..inputDim-1) to learned vectors of length
 * outputDim (Keras's Embedding). With `maskZero`, id 0 is padding: the output
 * carries a mask (1 for real ids, 0 for padding) that the recurrent and
 * attention layers after it honour, as in Keras.
 */
import type { Tensor } from "../../tensor";
import { serializeInitializer, type InitializerIdentifier } from "../initializers";
import type { RegularizerIdentifier } from "../regularizers";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import { attachMask } from "../recurrent/mask";
import { fromConfigOptions, initializerOption, regularizerConfig } from "./config";

export interface EmbeddingOptions extends LayerOptions {
  embeddingsInitializer?: InitializerIdentifier;
  embeddingsRegularizer?: RegularizerIdentifier | null;
  /** Treat id 0 as padding and attach the padding mask to the output (inputDim then counts the padding id: vocabulary + 1). */
  maskZero?: boolean;
}

export class Embedding extends Layer {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  embeddings: Weight | null = null;
  private readonly options: EmbeddingOptions;

  constructor(inputDim: number, outputDim: number, options: EmbeddingOptions = {}) {
    super(options);
    for (const [k, v] of [
      ["inputDim", inputDim],
      ["outputDim", outputDim],
    ] as const) {
      if (!(Number.isInteger(v) && v > 0)) throw new Error(`Embedding: ${k} must be a positive integer, got ${v}`);
    }
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.maskZero = options.maskZero ?? false;
    this.options = options;
  }

  /** The weights do not depend on the input's shape, so one built layer takes id arrays of any length. */
  override ensureBuilt(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    super.ensureBuilt([shape[0], ...shape.slice(1).map(() => null)]);
  }

  override build(): void {
    this.embeddings = this.addWeight("embeddings", [this.inputDim, this.outputDim], {
      initializer: this.options.embeddingsInitializer ?? "random_uniform",
      regularizer: this.options.embeddingsRegularizer,
    });
  }

  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    const ids = Array.from(x.dataSync(), (v) => Math.round(v));
    const bad = ids.find((i) => i < 0 || i >= this.inputDim);
    if (bad !== undefined) {
      throw new Error(
        `${this.describe()}: id ${bad} is out of range; ids must be integers in [0, ${this.inputDim - 1}] (inputDim = ${this.inputDim})`,
      );
    }
    const out = this.embeddings!.value.gather(ids, 0).reshape([...x.shape, this.outputDim]);
    return this.maskZero ? attachMask(out, x.ne(0)) : out;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return [...(inputShape as SymbolicShape), this.outputDim];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      maskZero: this.maskZero,
      embeddingsInitializer: serializeInitializer(
        initializerOption(this.options.embeddingsInitializer, "random_uniform"),
      ),
      embeddingsRegularizer: regularizerConfig(this.options.embeddingsRegularizer),
    };
  }
}

registerLayer("Embedding", (c) => new Embedding(c.inputDim as number, c.outputDim as number, fromConfigOptions(c)));
