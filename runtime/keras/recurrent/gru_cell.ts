/**
 * The GRU cell with Keras's conventions: gates update z, reset r and
 * candidate h~ side by side in that order in kernel [inputDim, 3 * units] and
 * recurrentKernel [units, 3 * units];
 *   z = σ(x·Kz + h·Rz + b), r = σ(x·Kr + h·Rr + b),
 *   h~ = tanh(x·Kh + r * (h·Rh + bRh))     (resetAfter, the default in Keras 2 and 3)
 *   h~ = tanh(x·Kh + (r * h)·Rh + b)       (resetAfter false, the original GRU)
 *   h_t = z * h_{t-1} + (1 - z) * h~.
 * With resetAfter the bias is [2, 3 * units]: row 0 for the input, row 1 for the recurrent term.
 */
import type { Tensor } from "../../tensor";
import { split } from "../../ops/shape";
import { getActivation, type ResolvedActivation } from "../activations";
import type { LayerConfig, LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { RecurrentCell } from "./cell";
import { cellFromConfig } from "./config";
import { pointwiseActivation, type StepKernel } from "./step_kernel";
import type { GatedCellOptions } from "./lstm_cell";

export interface GRUCellOptions extends GatedCellOptions {
  /** Apply the reset gate after the recurrent matmul (default true; false is the original GRU). */
  resetAfter?: boolean;
}

export class GRUCell extends RecurrentCell {
  readonly gates = 3;
  readonly stateCount = 1;
  readonly recurrentActivation: ResolvedActivation;
  readonly resetAfter: boolean;

  constructor(units: number, options: GRUCellOptions & LayerOptions = {}) {
    super(units, options);
    this.recurrentActivation = getActivation(options.recurrentActivation ?? "sigmoid");
    this.resetAfter = options.resetAfter ?? true;
  }

  /** One step by hand: `h = cell.step(x_t, h)`; h defaults to zeros. */
  step(x: Tensor, h?: Tensor): Tensor {
    return this.stepRaw(x, [h])[0];
  }

  stepKernel(): StepKernel | null {
    const act = pointwiseActivation(this.activation.name);
    if (!this.resetAfter || !act || this.recurrentActivation.name !== "sigmoid") return null;
    const u = this.units;
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    // cache per row: z, r, candidate, the recurrent candidate term rh
    return {
      cacheWidth: 4 * u,
      ...(this.activation.name === "tanh" ? { cell: "gru" as const } : {}),
      forward(batch, xp, rec, [hPrev], [h], cache) {
        for (let b = 0; b < batch; b++) {
          const w = b * 3 * u;
          const k = b * 4 * u;
          for (let j = 0; j < u; j++) {
            const z = sigmoid(xp[w + j] + rec[w + j]);
            const r = sigmoid(xp[w + u + j] + rec[w + u + j]);
            const rh = rec[w + 2 * u + j];
            const cand = act.f(xp[w + 2 * u + j] + r * rh);
            h[b * u + j] = z * hPrev[b * u + j] + (1 - z) * cand;
            cache[k + j] = z;
            cache[k + u + j] = r;
            cache[k + 2 * u + j] = cand;
            cache[k + 3 * u + j] = rh;
          }
        }
      },
      backward(batch, [dh], cache, [hPrev], dxp, drec, [dhPrev]) {
        for (let b = 0; b < batch; b++) {
          const w = b * 3 * u;
          const k = b * 4 * u;
          for (let j = 0; j < u; j++) {
            const z = cache[k + j];
            const r = cache[k + u + j];
            const cand = cache[k + 2 * u + j];
            const rh = cache[k + 3 * u + j];
            const dhj = dh[b * u + j];
            const da = dhj * (1 - z) * act.dfFromOutput(cand);
            const dzPre = dhj * (hPrev[b * u + j] - cand) * z * (1 - z);
            const drPre = da * rh * r * (1 - r);
            dxp[w + j] = drec[w + j] = dzPre;
            dxp[w + u + j] = drec[w + u + j] = drPre;
            dxp[w + 2 * u + j] = da;
            drec[w + 2 * u + j] = da * r;
            dhPrev[b * u + j] += dhj * z;
          }
        }
      },
    };
  }

  override recurrentBias(): Tensor | null {
    return this.resetAfter && this.bias ? this.bias.value.select(0, 1) : null;
  }

  stepProjected(projected: Tensor, [h]: readonly Tensor[], recurrentMask?: Tensor | null): Tensor[] {
    const hRec = this.recurrentInput(h, recurrentMask);
    const gate = this.recurrentActivation.fn;
    const [xz, xr, xh] = split(projected, 3, 1);
    const kernel = this.recurrentKernel!.value;
    let z: Tensor;
    let candidate: Tensor;
    if (this.resetAfter) {
      let rec = hRec.matmul(kernel);
      if (this.bias) rec = rec.add(this.bias.value.select(0, 1));
      const [rz, rr, rh] = split(rec, 3, 1);
      z = gate(xz.add(rz));
      const r = gate(xr.add(rr));
      candidate = this.activation.fn(xh.add(r.mul(rh)));
    } else {
      const [kzr, kh] = split(kernel, [2 * this.units, this.units], 1);
      const [rz, rr] = split(hRec.matmul(kzr), 2, 1);
      z = gate(xz.add(rz));
      const r = gate(xr.add(rr));
      candidate = this.activation.fn(xh.add(r.mul(hRec).matmul(kh)));
    }
    return [z.mul(h).add(z.neg().add(1).mul(candidate))];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.name, resetAfter: this.resetAfter };
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override inputBias(): Tensor {
    return this.resetAfter ? this.bias!.value.select(0, 0) : this.bias!.value;
  }
}

registerLayer("GRUCell", (c) => new GRUCell(c.units as number, cellFromConfig(c)));
