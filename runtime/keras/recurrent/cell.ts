/**
 * The recurrent cell: the weights and the update of one time step, shared by
 * every step (weights shared over time). A cell keeps Keras's layout: kernel
 * [inputDim, gates * units] applied to the input, recurrentKernel
 * [units, gates * units] applied to the previous state, gates side by side in
 * Keras's order, so published Keras weights load unchanged.
 *
 * The RNN layer first projects the whole sequence with one matmul
 * (`projectInputs`) and then runs `stepProjected` once per step, which costs
 * one matmul with the recurrent kernel per step.
 */
import type { Tensor } from "../../tensor";
import { getActivation, type ActivationIdentifier, type ResolvedActivation } from "../activations";
import { serializeInitializer, type Initializer, type InitializerIdentifier } from "../initializers";
import type { RegularizerIdentifier } from "../regularizers";
import { Layer, type InputShapes, type LayerConfig, type LayerInputs, type LayerOptions } from "../engine/layer";
import type { Weight } from "../engine/weight";
import type { SymbolicShape } from "../utils/shape";
import { initializerOption, regularizerConfig } from "../layers/config";
import { Orthogonal, withOrthogonal } from "./orthogonal";
import type { StepKernel } from "./step_kernel";
import { zeros } from "../../ops/creation";

export interface CellOptions {
  /** The state update's activation (default "tanh"). */
  activation?: ActivationIdentifier;
  useBias?: boolean;
  kernelInitializer?: InitializerIdentifier;
  /** Default orthogonal, as Keras. */
  recurrentInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier | null;
  recurrentRegularizer?: RegularizerIdentifier | null;
  biasRegularizer?: RegularizerIdentifier | null;
  /** Fraction of the input units dropped for the input projection while training, in [0, 1) (default 0); one mask per call, reused at every step. */
  dropout?: number;
  /** Fraction of the state units dropped for the recurrent projection while training, in [0, 1) (default 0); one mask per call, reused at every step. */
  recurrentDropout?: number;
}

export abstract class RecurrentCell extends Layer {
  readonly units: number;
  readonly activation: ResolvedActivation;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  kernel: Weight | null = null;
  recurrentKernel: Weight | null = null;
  bias: Weight | null = null;
  /** How many gate blocks the kernels hold side by side (1 SimpleRNN, 4 LSTM, 3 GRU). */
  abstract readonly gates: number;
  /** The state tensors carried from step to step: 1 ([h]) or 2 ([h, c] for an LSTM). */
  abstract readonly stateCount: number;
  protected readonly cellOptions: CellOptions;

  constructor(units: number, options: CellOptions & LayerOptions = {}) {
    super({ name: options.name, trainable: options.trainable });
    if (!(Number.isInteger(units) && units > 0))
      throw new Error(`${new.target.name}: units must be a positive integer, got ${units}`);
    this.units = units;
    this.activation = getActivation(options.activation === undefined ? "tanh" : options.activation);
    this.useBias = options.useBias ?? true;
    this.dropout = dropoutRate(new.target.name, "dropout", options.dropout);
    this.recurrentDropout = dropoutRate(new.target.name, "recurrentDropout", options.recurrentDropout);
    this.cellOptions = options;
  }

  /** Builds for one step's input [batch, inputDim] (or a sequence [batch, time, inputDim]). */
  override build(inputShape: InputShapes): void {
    const shape = inputShape as SymbolicShape;
    const inputDim = shape[shape.length - 1];
    if (shape.length < 2 || typeof inputDim !== "number")
      throw this.shapeError("expects inputs with a known last dimension", shape);
    const o = this.cellOptions;
    const width = this.gates * this.units;
    this.kernel = this.addWeight("kernel", [inputDim, width], {
      initializer: withOrthogonal(o.kernelInitializer, "glorot_uniform"),
      regularizer: o.kernelRegularizer,
    });
    this.recurrentKernel = this.addWeight("recurrent_kernel", [this.units, width], {
      initializer: withOrthogonal(o.recurrentInitializer, new Orthogonal()),
      regularizer: o.recurrentRegularizer,
    });
    if (this.useBias)
      this.bias = this.addWeight("bias", this.biasShape(), {
        initializer: this.biasWeightInitializer(),
        regularizer: o.biasRegularizer,
      });
  }

  /** x [batch, time, inputDim] (or [batch, inputDim]) times the kernel, plus the input bias: every step's input term in one matmul. */
  projectInputs(x: Tensor): Tensor {
    const inputDim = x.shape[x.rank - 1];
    const flat = x.reshape([-1, inputDim]).matmul(this.kernel!.value);
    const withBias = this.bias ? flat.add(this.inputBias()) : flat;
    return withBias.reshape([...x.shape.slice(0, -1), this.gates * this.units]);
  }

  /**
   * The new states after one step, from the step's projected input [batch, gates * units] and the previous states; the first state is the step's output.
   * `recurrentMask` [batch, units] (recurrent dropout) multiplies h_{t-1} where it enters the recurrent kernel, and nowhere else.
   */
  abstract stepProjected(projected: Tensor, states: readonly Tensor[], recurrentMask?: Tensor | null): Tensor[];

  /** The step as a fused kernel, or null when this configuration has none (then the layer composes `stepProjected` from tensor ops). */
  abstract stepKernel(): StepKernel | null;

  /** A bias added to the recurrent term inside the step (the GRU's with resetAfter), or null. */
  recurrentBias(): Tensor | null {
    return null;
  }

  /** Zero states for a batch of `batch` sequences. */
  zeroStates(batch: number): Tensor[] {
    return Array.from({ length: this.stateCount }, () => zeros([batch, this.units]));
  }

  /** A cell called on one step's input [batch, inputDim] runs a step from zero states and returns the output. */
  override call(inputs: LayerInputs): Tensor {
    const x = inputs as Tensor;
    return this.stepProjected(this.projectInputs(x), this.zeroStates(x.shape[0]))[0];
  }

  override computeOutputShape(inputShape: InputShapes): SymbolicShape {
    return [(inputShape as SymbolicShape)[0], this.units];
  }

  override getConfig(): LayerConfig {
    const o = this.cellOptions;
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.name,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(withOrthogonal(o.kernelInitializer, "glorot_uniform")),
      recurrentInitializer: serializeInitializer(withOrthogonal(o.recurrentInitializer, new Orthogonal())),
      biasInitializer: serializeInitializer(this.biasInitializer()),
      kernelRegularizer: regularizerConfig(o.kernelRegularizer),
      recurrentRegularizer: regularizerConfig(o.recurrentRegularizer),
      biasRegularizer: regularizerConfig(o.biasRegularizer),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
    };
  }

  /** One step from a raw input, for teaching: x [batch, inputDim] or one vector [inputDim] (then the states are [units] too). */
  protected stepRaw(x: Tensor, states: readonly (Tensor | undefined)[]): Tensor[] {
    const single = x.rank === 1;
    const batchX = single ? x.reshape([1, x.shape[0]]) : x;
    this.ensureBuilt([null, batchX.shape[1]]);
    const batch = batchX.shape[0];
    const full = this.zeroStates(batch).map((z, i) => {
      const s = states[i];
      if (!s) return z;
      const batched = s.rank === 1 ? s.reshape([1, s.shape[0]]) : s;
      if (batched.shape[0] !== batch || batched.shape[1] !== this.units) {
        throw new Error(
          `${this.describe()}.step: state ${s.shapeString()} does not fit input ${x.shapeString()}; expected [${single ? "" : `${batch}, `}${this.units}]`,
        );
      }
      return batched;
    });
    const next = this.stepProjected(this.projectInputs(batchX), full);
    return single ? next.map((t) => t.reshape([this.units])) : next;
  }

  /** h_{t-1} as the recurrent kernel sees it: times the recurrent dropout mask when there is one. */
  protected recurrentInput(h: Tensor, recurrentMask: Tensor | null | undefined): Tensor {
    return recurrentMask ? h.mul(recurrentMask) : h;
  }

  /** The bias weight's shape (GRU with resetAfter keeps separate input and recurrent biases). */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  /** The part of the bias added to the projected input. */
  protected inputBias(): Tensor {
    return this.bias!.value;
  }

  /** The bias's starting values (the LSTM's unit forget bias differs from its configured initializer). */
  protected biasWeightInitializer(): Initializer {
    return this.biasInitializer();
  }

  protected biasInitializer(): Initializer {
    return initializerOption(this.cellOptions.biasInitializer, "zeros");
  }
}

function dropoutRate(cell: string, option: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!(typeof value === "number" && value >= 0 && value < 1)) {
    throw new Error(
      `${cell}: ${option} must be a number in [0, 1) (the fraction of units dropped while training), got ${String(value)}`,
    );
  }
  return value;
}
