/**
 * A layer weight: a named tensor that training updates in place
 * (`Tensor.assign`), so every model built from the layer sees the same values.
 */
import type { Tensor } from "../../tensor";
import { keep } from "../../memory";
import { tensor } from "../../ops/creation";
import type { Regularizer } from "../regularizers";

/** What owns a weight: its name and whether it is trainable now. */
export interface WeightOwner {
  readonly name: string;
  readonly trainable: boolean;
}

export class Weight {
  private current: Tensor;

  constructor(
    readonly owner: WeightOwner,
    /** "kernel", "bias", "moving_mean", ... */
    readonly name: string,
    readonly shape: readonly number[],
    values: Float32Array,
    /** False for statistics such as BatchNormalization's moving mean, whatever the layer's flag. */
    readonly ownTrainable: boolean,
    readonly regularizer: Regularizer | null,
  ) {
    this.current = keep(tensor(values, shape));
    this.current.requiresGrad = ownTrainable;
  }

  /** The tensor ops read; its identity never changes, only its values. */
  get value(): Tensor {
    return this.current;
  }

  /** Trainable when the weight is and its layer (and every model holding that layer) is. */
  get trainable(): boolean {
    return this.ownTrainable && this.owner.trainable;
  }

  /** "dense/kernel": the key in saved weight files. */
  get path(): string {
    return `${this.owner.name}/${this.name}`;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  read(): Float32Array {
    return this.current.dataSync() as Float32Array;
  }

  /** Replaces the values (shape checked, naming the weight and both shapes). */
  write(values: Float32Array | Tensor, shape: readonly number[] = this.shape): void {
    if (shape.length !== this.shape.length || shape.some((d, i) => d !== this.shape[i])) {
      throw new Error(
        `${this.path}: cannot set a value of shape [${shape.join(", ")}] on a weight of shape [${this.shape.join(", ")}]`,
      );
    }
    const next = values instanceof Float32Array ? tensor(values, this.shape) : values;
    this.current.assign(next);
    if (next !== values) next.dispose();
  }
}
