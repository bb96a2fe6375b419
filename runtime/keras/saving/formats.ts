/**
 * Which file format a path means: the one table every save and load goes
 * through. On save the file name decides, as in Keras (`x.keras` is a Keras 3
 * archive, `x.weights.h5` Keras 3 weights, anything else nnlab's own
 * safetensors file); on load the bytes decide, so a file that was renamed, or
 * an nnlab file saved as `x.keras` before nnlab wrote real Keras archives,
 * still loads.
 *
 * A format reads a whole model as a spec (saving/spec.ts) plus a function
 * that puts the file's weights into the model built from it; building is
 * left to saving/load_model.ts, so nothing here imports the model classes and
 * models/ can import this table. To add a format, write its FileFormat and
 * list it in FORMATS.
 */
import * as fs from "node:fs";
import type { Layer } from "../engine/layer";
import type { ModelSpec } from "./spec";
import type { SavableModel } from "./model_file";
import { nnlabFormat } from "./model_file";
import { kerasArchiveFormat, kerasWeightsFormat, legacyH5Format } from "./keras_format";
import { assignTfjsWeights, isTfjsModelPath, readTfjsModel, saveTfjsModel } from "./tfjs_format";

/** A model file read back: the architecture to build, and how to fill the built model with the file's weights. */
export interface ModelContents {
  spec: ModelSpec;
  /** Checks every weight against the model and only then assigns them all; throws (model unchanged) otherwise. */
  assignWeights: (model: Layer) => void;
  /** Set where the spec's own errors do not name the file (TF.js): loadModel puts it in front of them. */
  readonly file?: string;
}

export interface FileFormat {
  /** For messages and docs, e.g. "a Keras 3 archive (.keras)". */
  readonly description: string;
  /** Whether `save`/`saveWeights` to this path write this format (the extension decides). */
  claimsPath(path: string): boolean;
  /** Whether these bytes are this format's (loading decides by content). */
  recognizes(bytes: Uint8Array): boolean;
  saveModel?(model: SavableModel, path: string): void;
  readModel?(bytes: Uint8Array, path: string): ModelContents;
  saveWeights?(model: Layer, path: string): void;
  /** Reads weights into a model that exists; checks everything before assigning anything. */
  loadWeights?(model: Layer, bytes: Uint8Array, path: string): void;
}

/** Checked in order; nnlab's safetensors format comes last and claims every path the others do not. */
const FORMATS: readonly FileFormat[] = [kerasWeightsFormat, kerasArchiveFormat, legacyH5Format, nnlabFormat];

function formatForSave(path: string): FileFormat {
  return FORMATS.find((f) => f.claimsPath(path)) ?? nnlabFormat;
}

function formatForLoad(path: string, bytes: Uint8Array): FileFormat {
  const byContent = FORMATS.find((f) => f.recognizes(bytes));
  if (byContent) return byContent;
  const head = Array.from(bytes.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new Error(
    `${path} is not a model file nnlab can read: it is none of ${FORMATS.map((f) => f.description).join(", ")} ` +
      `(${bytes.length} bytes, starting ${head || "(empty)"}); is it truncated, or another kind of file?`,
  );
}

export function saveModel(model: SavableModel, path: string): void {
  // A TF.js layers model is a directory or a json beside its weight shards, not one file: the path decides.
  if (isTfjsModelPath(path)) {
    saveTfjsModel(model, path);
    return;
  }
  const format = formatForSave(path);
  if (!format.saveModel)
    throw new Error(
      `save: ${path} names ${format.description}, which holds weights only; use model.saveWeights("${path}")`,
    );
  format.saveModel(model, path);
}

export function saveWeights(model: Layer, path: string): void {
  const format = formatForSave(path);
  if (!format.saveWeights)
    throw new Error(`saveWeights: ${path} names ${format.description}, which nnlab does not write weights to`);
  format.saveWeights(model, path);
}

export function readModel(path: string): ModelContents {
  if (isTfjsModelPath(path)) {
    const { spec, weights, file } = readTfjsModel(path);
    return { spec, file, assignWeights: (model) => assignTfjsWeights(model, weights, file) };
  }
  const bytes = readBytes(path);
  const format = formatForLoad(path, bytes);
  if (!format.readModel)
    throw new Error(
      `loadModel: ${path} is ${format.description}, which holds weights only; build the model in code and call model.loadWeights("${path}")`,
    );
  return format.readModel(bytes, path);
}

export function loadWeights(model: Layer, path: string): void {
  const bytes = readBytes(path);
  const format = formatForLoad(path, bytes);
  if (!format.loadWeights)
    throw new Error(`loadWeights: ${path} is ${format.description}, from which nnlab does not read weights`);
  format.loadWeights(model, bytes, path);
}

function readBytes(path: string): Uint8Array {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    // The reason is in the message already; a cause would print it twice in a notebook's traceback.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`Cannot read "${path}": ${(err as Error).message}`);
  }
}
