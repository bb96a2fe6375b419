/**
 * The LSTM cell with Keras's conventions: gates input i, forget f, candidate
 * c, output o side by side in that order in kernel [inputDim, 4 * units],
 * recurrentKernel [units, 4 * units] and bias [4 * units];
 *   i = σ(x·Ki + h·Ri + bi), f = σ(...f), c~ = tanh(...c), o = σ(...o),
 *   c_t = f * c_{t-1} + i * c~,  h_t = o * tanh(c_t).
 * With `unitForgetBias` (default) the forget bias starts at 1, so the cell
 * remembers by default at the start of training.
 */
import type { Tensor } from "../../tensor";
import { split } from "../../ops/shape";
import { getActivation, type ActivationIdentifier, type ResolvedActivation } from "../activations";
import type { Initializer } from "../initializers";
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { RecurrentCell, type CellOptions } from "./cell";
import { cellFromConfig } from "./config";
import type { StepKernel } from "./step_kernel";

export interface GatedCellOptions extends CellOptions {
  /** The gates' activation (default "sigmoid"). */
  recurrentActivation?: ActivationIdentifier;
}

export interface LSTMCellOptions extends GatedCellOptions {
  /** Start the forget gate's bias at 1 (default true, as Keras). */
  unitForgetBias?: boolean;
}

export class LSTMCell extends RecurrentCell {
  readonly gates = 4;
  readonly stateCount = 2;
  readonly recurrentActivation: ResolvedActivation;
  readonly unitForgetBias: boolean;

  constructor(units: number, options: LSTMCellOptions & LayerOptions = {}) {
    super(units, options);
    this.recurrentActivation = getActivation(options.recurrentActivation ?? "sigmoid");
    this.unitForgetBias = options.unitForgetBias ?? true;
  }

  /** One step by hand: `[h, c] = cell.step(x_t, [h, c])`; missing states are zeros. */
  step(x: Tensor, states: readonly [Tensor?, Tensor?] = []): [Tensor, Tensor] {
    const [h, c] = this.stepRaw(x, states);
    return [h, c];
  }

  stepKernel(): StepKernel | null {
    if (this.activation.name !== "tanh" || this.recurrentActivation.name !== "sigmoid") return null;
    const u = this.units;
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    // cache per row: i, f, candidate, o, tanh(c_t)
    return {
      cacheWidth: 5 * u,
      cell: "lstm",
      forward(batch, xp, rec, [, cPrev], [h, c], cache) {
        for (let b = 0; b < batch; b++) {
          const z = b * 4 * u;
          const k = b * 5 * u;
          for (let j = 0; j < u; j++) {
            const i = sigmoid(xp[z + j] + rec[z + j]);
            const f = sigmoid(xp[z + u + j] + rec[z + u + j]);
            const g = Math.tanh(xp[z + 2 * u + j] + rec[z + 2 * u + j]);
            const o = sigmoid(xp[z + 3 * u + j] + rec[z + 3 * u + j]);
            const cj = f * cPrev[b * u + j] + i * g;
            const tc = Math.tanh(cj);
            c[b * u + j] = cj;
            h[b * u + j] = o * tc;
            cache[k + j] = i;
            cache[k + u + j] = f;
            cache[k + 2 * u + j] = g;
            cache[k + 3 * u + j] = o;
            cache[k + 4 * u + j] = tc;
          }
        }
      },
      backward(batch, [dh, dc], cache, [, cPrev], dxp, drec, [, dcPrev]) {
        for (let b = 0; b < batch; b++) {
          const z = b * 4 * u;
          const k = b * 5 * u;
          for (let j = 0; j < u; j++) {
            const i = cache[k + j];
            const f = cache[k + u + j];
            const g = cache[k + 2 * u + j];
            const o = cache[k + 3 * u + j];
            const tc = cache[k + 4 * u + j];
            const dhj = dh[b * u + j];
            const dcj = dc[b * u + j] + dhj * o * (1 - tc * tc);
            dxp[z + j] = drec[z + j] = dcj * g * i * (1 - i);
            dxp[z + u + j] = drec[z + u + j] = dcj * cPrev[b * u + j] * f * (1 - f);
            dxp[z + 2 * u + j] = drec[z + 2 * u + j] = dcj * i * (1 - g * g);
            dxp[z + 3 * u + j] = drec[z + 3 * u + j] = dhj * tc * o * (1 - o);
            dcPrev[b * u + j] += dcj * f;
          }
        }
      },
    };
  }

  stepProjected(projected: Tensor, [h, c]: readonly Tensor[], recurrentMask?: Tensor | null): Tensor[] {
    const z = projected.add(this.recurrentInput(h, recurrentMask).matmul(this.recurrentKernel!.value));
    const [zi, zf, zc, zo] = split(z, 4, 1);
    const gate = this.recurrentActivation.fn;
    const cNext = gate(zf)
      .mul(c)
      .add(gate(zi).mul(this.activation.fn(zc)));
    const hNext = gate(zo).mul(this.activation.fn(cNext));
    return [hNext, cNext];
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      recurrentActivation: this.recurrentActivation.name,
      unitForgetBias: this.unitForgetBias,
    };
  }

  protected override biasWeightInitializer(): Initializer {
    const base = this.biasInitializer();
    if (!this.unitForgetBias) return base;
    const u = this.units;
    return {
      className: "UnitForgetBias",
      getConfig: () => ({}),
      generate: () => {
        const values = base.generate([4 * u]);
        values.fill(1, u, 2 * u);
        return values;
      },
    };
  }
}

registerLayer("LSTMCell", (c) => new LSTMCell(c.units as number, cellFromConfig(c)));
