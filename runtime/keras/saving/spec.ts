/**
 * The architecture JSON that `model.save` writes into the safetensors
 * header's `__metadata__` ("nnlab_model") and `loadModel` reads back. Each
 * model class writes its own spec (`architecture()` in models/); the loader
 * (saving/load_model.ts) turns a spec back into models.
 */
import type { LayerConfig } from "../engine/layer";
import type { OutputStructure } from "../models/outputs";

export interface LayerSpec {
  className: string;
  config: LayerConfig;
  /** For graph models: the tensors each call of the layer consumed, as "layer#node" ids. */
  inbound?: InboundCall[];
  /** A nested model's own spec. */
  model?: ModelSpec;
}

export interface InboundCall {
  inputs: string[];
  listInput: boolean;
}

export interface ModelSpec {
  className: "Sequential" | "Functional";
  name: string;
  inputShape?: (number | null)[] | null;
  layers: LayerSpec[];
  inputs?: string[];
  outputs?: string[];
  /** How the outputs were given (one, a list, an object with `outputKeys`); files without it have a list when there are several. */
  outputStructure?: OutputStructure;
  outputKeys?: string[];
}
