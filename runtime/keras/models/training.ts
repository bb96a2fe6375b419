/**
 * fit, evaluate, predict, trainOnBatch, testOnBatch: Keras's training loop.
 * One training step (forward, loss, backward, optimizer update) runs inside
 * `nn.tidy`, so its temporary tensors are freed at once. `fit` awaits a
 * macrotask between batches, so progress output reaches the front end and an
 * interrupt can stop training between batches; the weights and the history
 * of finished epochs stay (`model.history`), as in Keras.
 */
import type { Tensor } from "../../tensor";
import { noGrad } from "../../autograd";
import { tensor, type TensorData } from "../../ops/creation";
import { concat } from "../../ops/shape";
import { tidy } from "../../nn";
import type { CallOptions } from "../engine/layer";
import type { Weight } from "../engine/weight";
import type { Compiled } from "./compiled";
import { CallbackList, type Callback, type CallbackHooks, type CallbackModel, type Logs } from "../callbacks/callback";
import { History } from "../callbacks/history";
import { ProgbarLogger } from "../callbacks/progbar_logger";
import { TerminateOnNaN } from "../callbacks/terminate_on_nan";
import { interruptCount } from "../../interrupt";
import { permutation } from "../utils/random";
import { formatShape } from "../utils/shape";

/** What the training loop uses of a model (keras.Model has it all; callbacks get it as their CallbackModel). */
export interface TrainableModel extends CallbackModel {
  history: History | null;
  readonly compiled: Compiled | null;
  readonly weights: readonly Weight[];
  readonly trainableWeights: readonly Weight[];
  /** The input layers' names, in order (none for a subclassed model). */
  readonly inputNames: readonly string[];
  regularizationLosses(): Tensor[];
  /** Every output for a batch of inputs, one tensor per input. */
  computeOutputs(inputs: readonly Tensor[], options: CallOptions): Tensor[];
}

/** Inputs or targets: a tensor, nested arrays or a typed array; a list for a model with several inputs (or outputs). */
export type Data = Tensor | TensorData | readonly Tensor[];

/** Arrays by name: inputs by input layer name, targets by output name (a model with several of them). */
export type NamedData = Readonly<Record<string, Tensor | TensorData>>;

export interface FitOptions {
  batchSize?: number;
  epochs?: number;
  /** 0 silent, 1 progress bar (default), 2 one line per epoch. */
  verbose?: 0 | 1 | 2 | "auto";
  /** Fraction of the data (taken from the end, before shuffling) held out for validation. */
  validationSplit?: number;
  validationData?: readonly [Data | NamedData, Data | NamedData];
  /** Shuffle the training examples before each epoch (default true). */
  shuffle?: boolean;
  callbacks?: readonly (Callback | CallbackHooks)[];
  /** Epoch to start counting from (resuming a run). */
  initialEpoch?: number;
}

export interface EvaluateOptions {
  batchSize?: number;
  verbose?: 0 | 1 | 2 | "auto";
  returnDict?: boolean;
}

export interface PredictOptions {
  batchSize?: number;
  verbose?: 0 | 1 | 2 | "auto";
}

export async function fit(
  model: TrainableModel,
  x: Data | NamedData,
  y: Data | NamedData,
  options: FitOptions = {},
): Promise<History> {
  const compiled = requireCompiled(model, "fit");
  let xs = toInputs(model, x, "x");
  let ys = toTargets(compiled, y, "y");
  checkSamples("fit", xs, ys);
  const batchSize = positiveInt(options.batchSize ?? 32, "batchSize");
  const epochs = positiveInt(options.epochs ?? 1, "epochs");
  let validation: [Tensor[], Tensor[]] | null = null;
  if (options.validationData) {
    const vx = toInputs(model, options.validationData[0], "validationData x");
    const vy = toTargets(compiled, options.validationData[1], "validationData y");
    checkSamples("fit (validationData)", vx, vy);
    validation = [vx, vy];
  } else if (options.validationSplit) {
    const split = options.validationSplit;
    if (!(split > 0 && split < 1)) throw new Error(`fit: validationSplit must be between 0 and 1, got ${split}`);
    const n = ys[0].shape[0];
    const cut = Math.floor(n * (1 - split));
    if (cut === 0 || cut === n)
      throw new Error(`fit: validationSplit ${split} of ${n} samples leaves no training or no validation samples`);
    validation = [xs.map((t) => rows(t, cut, n)), ys.map((t) => rows(t, cut, n))];
    xs = xs.map((t) => rows(t, 0, cut));
    ys = ys.map((t) => rows(t, 0, cut));
  }

  const samples = ys[0].shape[0];
  const steps = Math.ceil(samples / batchSize);
  const verbose = options.verbose === "auto" || options.verbose === undefined ? 1 : options.verbose;
  const history = new History();
  model.history = history;
  const callbacks = new CallbackList([
    history,
    ...(verbose > 0 ? [new ProgbarLogger()] : []),
    ...(options.callbacks ?? []),
  ]);
  callbacks.configure(model, { epochs, steps, verbose });
  compiled.optimizer.setParams(model.trainableWeights);
  model.stopTraining = false;
  const interruptsAtStart = interruptCount();
  // TerminateOnNaN says it itself; otherwise the first invalid loss is named once, as the curve alone would not.
  let nanReported = (options.callbacks ?? []).some((c) => c instanceof TerminateOnNaN);

  await callbacks.trainBegin({});
  for (let epoch = options.initialEpoch ?? 0; epoch < epochs && !model.stopTraining; epoch++) {
    await callbacks.epochBegin(epoch, {});
    compiled.reset();
    const order = options.shuffle === false ? null : permutation(samples);
    for (let step = 0; step < steps; step++) {
      await callbacks.batchBegin(step, {});
      const [bx, by] = batch(xs, ys, order, step * batchSize, Math.min(samples, (step + 1) * batchSize));
      const loss = trainStep(model, compiled, bx, by);
      for (const t of [...bx, ...by]) if (!ys.includes(t) && !xs.includes(t)) t.dispose();
      if (!Number.isFinite(loss) && !nanReported) {
        nanReported = true;
        console.warn(
          `fit: the loss is ${loss} at epoch ${epoch + 1}, batch ${step} (of ${steps}); training goes on with invalid weights. ` +
            "Try a smaller learningRate, check the data for NaN or Infinity, or pass keras.callbacks.TerminateOnNaN() to stop.",
        );
      }
      await callbacks.batchEnd(step, { ...compiled.logs(), loss });
      await yieldToEventLoop();
      // The cell running this fit was interrupted while it awaited: stop here, do not train on unseen.
      if (interruptCount() !== interruptsAtStart) return history;
      if (model.stopTraining) break;
    }
    const logs: Logs = compiled.logs();
    if (validation) {
      const valLogs = evaluateLogs(model, compiled, validation[0], validation[1], batchSize);
      for (const [k, v] of Object.entries(valLogs)) logs[`val_${k}`] = v;
    }
    await callbacks.epochEnd(epoch, logs);
  }
  await callbacks.trainEnd({});
  // The reference backend computes in float64; a weight file (and every other backend) holds float32.
  for (const w of model.weights) w.value.roundToFloat32();
  return history;
}

/** `[loss, ...metrics]`, always a list (Keras gives a bare number when there is only the loss), or the logs by name with `returnDict`. */
export function evaluate(
  model: TrainableModel,
  x: Data | NamedData,
  y: Data | NamedData,
  options: EvaluateOptions = {},
): number[] | Record<string, number> {
  const compiled = requireCompiled(model, "evaluate");
  const xs = toInputs(model, x, "x");
  const ys = toTargets(compiled, y, "y");
  checkSamples("evaluate", xs, ys);
  const logs = evaluateLogs(model, compiled, xs, ys, positiveInt(options.batchSize ?? 32, "batchSize"));
  return options.returnDict ? { ...logs } : Object.values(logs);
}

/** The model's outputs for x, one tensor per output, computed in batches. */
export function predict(model: TrainableModel, x: Data | NamedData, options: PredictOptions = {}): Tensor[] {
  const xs = toInputs(model, x, "x");
  checkSamples("predict", xs, []);
  const n = xs[0].shape[0];
  const batchSize = positiveInt(options.batchSize ?? 32, "batchSize");
  return noGrad(() => {
    const parts: Tensor[][] = [];
    for (let start = 0; start < n; start += batchSize) {
      const bx = xs.map((t) => rows(t, start, Math.min(n, start + batchSize)));
      parts.push(tidy(() => model.computeOutputs(bx, { training: false })));
    }
    return parts[0].map((_, i) =>
      parts.length === 1
        ? parts[0][i]
        : concat(
            parts.map((p) => p[i]),
            0,
          ),
    );
  });
}

export function trainOnBatch(
  model: TrainableModel,
  x: Data | NamedData,
  y: Data | NamedData,
  options: { returnDict?: boolean },
): number | number[] | Record<string, number> {
  const compiled = requireCompiled(model, "trainOnBatch");
  const xs = toInputs(model, x, "x");
  const ys = toTargets(compiled, y, "y");
  checkSamples("trainOnBatch", xs, ys);
  compiled.optimizer.setParams(model.trainableWeights);
  compiled.reset();
  const loss = trainStep(model, compiled, xs, ys);
  // The reference backend computes in float64; a weight file (and every other backend) holds float32.
  for (const w of model.weights) w.value.roundToFloat32();
  return shapeResult({ ...compiled.logs(), loss }, options.returnDict);
}

export function testOnBatch(
  model: TrainableModel,
  x: Data | NamedData,
  y: Data | NamedData,
  options: { returnDict?: boolean },
): number | number[] | Record<string, number> {
  const compiled = requireCompiled(model, "testOnBatch");
  const xs = toInputs(model, x, "x");
  const ys = toTargets(compiled, y, "y");
  checkSamples("testOnBatch", xs, ys);
  return shapeResult(evaluateLogs(model, compiled, xs, ys, ys[0].shape[0]), options.returnDict);
}

/**
 * One optimisation step; returns the batch loss (including regularisation).
 * Frozen weights get no gradient. The loss is computed before any weight
 * changes, so an error in it leaves the model as it was.
 */
function trainStep(model: TrainableModel, compiled: Compiled, xs: Tensor[], ys: Tensor[]): number {
  for (const w of model.weights) w.value.requiresGrad = w.trainable;
  return tidy(() => {
    const preds = model.computeOutputs(xs, { training: true });
    // Read after the forward pass: a model built lazily creates its weights in it.
    const trainable = model.trainableWeights;
    const { total: loss, perOutput } = compiled.batchLoss(ys, preds, model.regularizationLosses());
    const value = loss.item();
    compiled.update(
      value,
      perOutput.map((l) => l.item()),
      ys,
      preds,
    );
    if (trainable.length > 0 && loss.requiresGrad) {
      for (const w of trainable) w.value.zeroGrad();
      loss.backward();
      compiled.optimizer.step(trainable);
      for (const w of trainable) w.value.zeroGrad();
    }
    return value;
  });
}

function evaluateLogs(model: TrainableModel, compiled: Compiled, xs: Tensor[], ys: Tensor[], batchSize: number): Logs {
  compiled.reset();
  const n = ys[0].shape[0];
  noGrad(() => {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      tidy(() => {
        const by = ys.map((t) => rows(t, start, end));
        const preds = model.computeOutputs(
          xs.map((t) => rows(t, start, end)),
          { training: false },
        );
        const { total, perOutput } = compiled.batchLoss(by, preds, model.regularizationLosses());
        compiled.update(
          total.item(),
          perOutput.map((l) => l.item()),
          by,
          preds,
        );
      });
    }
  });
  return compiled.logs();
}

function shapeResult(logs: Logs, returnDict: boolean | undefined): number | number[] | Record<string, number> {
  if (returnDict) return { ...logs };
  const values = Object.values(logs);
  return values.length === 1 ? values[0] : values;
}

function requireCompiled(model: TrainableModel, what: string): Compiled {
  if (!model.compiled) {
    throw new Error(
      `${what}: the model must be compiled first, e.g. model.compile({ optimizer: "adam", loss: "categorical_crossentropy", metrics: ["accuracy"] })`,
    );
  }
  return model.compiled;
}

function toTensor(data: Data, what: string): Tensor {
  if (isTensor(data)) return data;
  if (Array.isArray(data) && data.length > 0 && data.every(isTensor)) {
    throw new Error(`${what}: expected one tensor, got a list of ${data.length} tensors`);
  }
  try {
    return tensor(data as TensorData);
  } catch (err) {
    // The reason is in the message already; a cause would print it twice in a notebook's traceback.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${what}: cannot be turned into a tensor: ${(err as Error).message}`);
  }
}

/** The model's inputs as a list in input order: one array, a list (one per input) or an object by input name. */
function toInputs(model: TrainableModel, data: Data | NamedData, what: string): Tensor[] {
  const names = model.inputNames;
  if (isNamedData(data)) {
    if (names.length === 0)
      throw new Error(
        `${what}: inputs by name need a functional model (built from keras.Input); pass the array itself`,
      );
    return fromNames(data, names, what, "input");
  }
  const expected = names.length;
  const xs = isTensorList(data)
    ? [...data]
    : expected > 1 && Array.isArray(data) && data.length === expected
      ? data.map((d, i) => toTensor(d as Data, `${what}[${i}]`))
      : [toTensor(data, what)];
  if (expected > 0 && xs.length !== expected) {
    throw new Error(
      `${what}: the model has ${expected} inputs (${names.join(", ")}) but got ${xs.length} array(s); pass a list with one array per input, in order, or an object by input name`,
    );
  }
  return xs;
}

/** The targets as a list in output order: one target, a list (one per output) or an object by output name. */
function toTargets(compiled: Compiled, data: Data | NamedData, what: string): Tensor[] {
  const names = compiled.outputNames;
  if (isNamedData(data)) return fromNames(data, names, what, "output");
  if (compiled.outputCount === 1) return [isTensorList(data) && data.length === 1 ? data[0] : toTensor(data, what)];
  if (!Array.isArray(data) || isTensor(data)) {
    throw new Error(
      `${what}: the model has ${names.length} outputs (${names.join(", ")}) but got one target; pass a list with one target per output, or an object by output name`,
    );
  }
  if (data.length !== names.length) {
    throw new Error(
      `${what}: the model has ${names.length} outputs (${names.join(", ")}) but got ${data.length} target array(s); pass one target per output, in order, or an object by output name`,
    );
  }
  return data.map((d, i) => toTensor(d as Data, `${what}[${i}] (output "${names[i]}")`));
}

/** The arrays of an object keyed by input or output name, in the model's order; every key must name one. */
function fromNames(data: NamedData, names: readonly string[], what: string, kind: "input" | "output"): Tensor[] {
  for (const key of Object.keys(data)) {
    if (!names.includes(key))
      throw new Error(`${what}: there is no ${kind} named "${key}"; the ${kind}s are ${names.join(", ")}`);
  }
  return names.map((n) => {
    if (data[n] === undefined)
      throw new Error(`${what}: no array for ${kind} "${n}"; the ${kind}s are ${names.join(", ")}`);
    return toTensor(data[n], `${what}.${n}`);
  });
}

function isNamedData(value: Data | NamedData): value is NamedData {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    !isTensor(value)
  );
}

function isTensorList(value: unknown): value is readonly Tensor[] {
  return Array.isArray(value) && value.length > 0 && value.every(isTensor);
}

function isTensor(value: unknown): value is Tensor {
  return typeof value === "object" && value !== null && "dataSync" in value && "shape" in value && "backward" in value;
}

/** Every input and target must have a batch axis, all of the same length. */
function checkSamples(what: string, xs: readonly Tensor[], ys: readonly Tensor[]): void {
  const label = (kind: string, list: readonly Tensor[], i: number) => (list.length > 1 ? `${kind}[${i}]` : kind);
  const all = [
    ...xs.map((t, i) => ({ t, name: label("x", xs, i) })),
    ...ys.map((t, i) => ({ t, name: label("y", ys, i) })),
  ];
  for (const { t, name } of all) {
    if (t.rank === 0) throw new Error(`${what}: ${name} needs a batch axis first; got a scalar`);
  }
  const first = all[0];
  for (const { t, name } of all.slice(1)) {
    if (t.shape[0] !== first.t.shape[0]) {
      throw new Error(
        `${what}: ${first.name} has ${first.t.shape[0]} samples (shape ${formatShape(first.t.shape)}) but ${name} has ${t.shape[0]} (shape ${formatShape(t.shape)}); they must match`,
      );
    }
  }
}

function positiveInt(value: number, what: string): number {
  if (!(Number.isInteger(value) && value > 0)) throw new Error(`${what} must be a positive integer, got ${value}`);
  return value;
}

function rows(t: Tensor, start: number, end: number): Tensor {
  if (start === 0 && end === t.shape[0]) return t;
  return t.slice([start, ...t.shape.slice(1).map(() => 0)], [end - start, ...t.shape.slice(1)]);
}

/** The batch [start, end) of the (shuffled) examples; inputs and targets take the same rows. */
function batch(
  xs: readonly Tensor[],
  ys: readonly Tensor[],
  order: Int32Array | null,
  start: number,
  end: number,
): [Tensor[], Tensor[]] {
  if (!order) return [xs.map((t) => rows(t, start, end)), ys.map((t) => rows(t, start, end))];
  const idx = Array.from(order.subarray(start, end));
  return [xs.map((t) => t.gather(idx, 0)), ys.map((t) => t.gather(idx, 0))];
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
