/**
 * `keras.Input({ shape })`: the symbolic start of a model. It returns a
 * KerasTensor produced by an InputLayer, as in Keras.
 */
import type { Tensor } from "../../tensor";
import { formatShape, type SymbolicShape } from "../utils/shape";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs } from "./layer";
import { KerasTensor, Node } from "./keras_tensor";

export interface InputOptions {
  /** Shape of one example, without the batch axis; `null` for a size known only from data. */
  shape: readonly (number | null)[];
  batchSize?: number;
  name?: string;
  dtype?: "float32" | "int32";
}

export class InputLayer extends Layer {
  readonly inputShape: SymbolicShape;

  constructor(options: InputOptions) {
    super({ name: options.name });
    const given: unknown = options?.shape; // checked as unknown: Array.isArray narrows a readonly array's type to any[]
    if (!Array.isArray(given) || options.shape.some((d) => d !== null && !(Number.isInteger(d) && d > 0))) {
      throw new Error(
        `keras.Input: shape must be a list of positive integers (or null), without the batch axis, got ${JSON.stringify(options?.shape)}`,
      );
    }
    this.inputShape = [options.batchSize ?? null, ...options.shape];
    this.built = true;
    this.buildInputShape = this.inputShape;
    this.lastOutputShape = this.inputShape;
    const node = new Node(this, [], false);
    node.output = new KerasTensor(this.inputShape, node, this.name);
    this.inboundNodes.push(node);
  }

  override call(inputs: LayerInputs): Tensor {
    return inputs as Tensor;
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return inputShape as SymbolicShape;
  }

  override getConfig(): LayerConfig {
    return { name: this.name, shape: this.inputShape.slice(1), batchSize: this.inputShape[0] ?? undefined };
  }

  override toString(): string {
    return `<InputLayer name=${this.name}, shape=${formatShape(this.inputShape)}>`;
  }
}

/** A symbolic input tensor (Keras's `keras.Input(shape=...)`). */
export function Input(options: InputOptions): KerasTensor {
  return new InputLayer(options).output;
}
