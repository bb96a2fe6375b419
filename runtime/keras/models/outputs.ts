/**
 * A functional model's outputs as the user gave them (one symbolic tensor, a
 * list, or an object naming them) and the types that keep that structure:
 * `predict` returns a Tensor, a Tensor[] or an object with the same keys.
 * Types and two helpers only, so saving/ can name them without the models.
 */
import type { Tensor } from "../../tensor";
import { KerasTensor } from "../engine/keras_tensor";
import type { SymbolicShape } from "../utils/shape";

/** A functional model's outputs: one symbolic tensor, a list of them, or an object naming them. */
export type ModelOutputs = KerasTensor | readonly KerasTensor[] | Readonly<Record<string, KerasTensor>>;

/** What predict returns for outputs T: the outputs' structure with a Tensor for each symbolic tensor. */
export type Prediction<T extends ModelOutputs> = T extends KerasTensor
  ? Tensor
  : T extends readonly KerasTensor[]
    ? Tensor[]
    : { [K in keyof T]: Tensor };

/** The output shape for outputs T, in the outputs' structure. */
export type OutputShape<T extends ModelOutputs> = T extends KerasTensor
  ? SymbolicShape
  : T extends readonly KerasTensor[]
    ? SymbolicShape[]
    : { [K in keyof T]: SymbolicShape };

export type OutputStructure = "single" | "list" | "named";

export function isNamedOutputs(outputs: ModelOutputs | undefined): outputs is Readonly<Record<string, KerasTensor>> {
  return (
    typeof outputs === "object" && outputs !== null && !Array.isArray(outputs) && !(outputs instanceof KerasTensor)
  );
}

/** Outputs in `structure` from the list `outputs` (and, for "named", their `keys`): what loading a saved model rebuilds. */
export function structuredOutputs(
  outputs: readonly KerasTensor[],
  structure: OutputStructure,
  keys: readonly string[],
): ModelOutputs {
  if (structure === "single") return outputs[0];
  if (structure === "list") return outputs;
  return Object.fromEntries(keys.map((k, i) => [k, outputs[i]]));
}
