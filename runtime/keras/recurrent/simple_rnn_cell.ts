/**
 * The lecture's recurrent cell: h_t = tanh(W h_{t-1} + U x_t + b). In Keras's
 * row-vector layout that is h_t = activation(x_t · kernel + h_{t-1} · recurrentKernel + bias),
 * so `kernel` is U transposed [inputDim, units] and `recurrentKernel` is W
 * transposed [units, units].
 */
import type { Tensor } from "../../tensor";
import type { LayerOptions } from "../engine/layer";
import { registerLayer } from "../engine/serialization";
import { RecurrentCell, type CellOptions } from "./cell";
import { cellFromConfig } from "./config";
import { pointwiseActivation, type StepKernel } from "./step_kernel";

export class SimpleRNNCell extends RecurrentCell {
  readonly gates = 1;
  readonly stateCount = 1;

  constructor(units: number, options: CellOptions & LayerOptions = {}) {
    super(units, options);
  }

  /**
   * One step, for running the recurrence by hand in a notebook:
   * `h = cell.step(x_t, h)` with x_t [batch, inputDim] (or one vector
   * [inputDim]); h defaults to zeros. Gradients flow through it as through the layer.
   */
  step(x: Tensor, h?: Tensor): Tensor {
    return this.stepRaw(x, [h])[0];
  }

  stepKernel(): StepKernel | null {
    const act = pointwiseActivation(this.activation.name);
    if (!act) return null;
    const units = this.units;
    return {
      cacheWidth: units,
      ...(this.activation.name === "tanh" ? { cell: "simpleRnn" as const } : {}),
      forward(batch, xp, rec, _prev, [h], cache) {
        for (let i = 0; i < batch * units; i++) h[i] = cache[i] = act.f(xp[i] + rec[i]);
      },
      backward(batch, [dh], cache, _prev, dxp, drec) {
        for (let i = 0; i < batch * units; i++) dxp[i] = drec[i] = dh[i] * act.dfFromOutput(cache[i]);
      },
    };
  }

  stepProjected(projected: Tensor, [h]: readonly Tensor[], recurrentMask?: Tensor | null): Tensor[] {
    return [
      this.activation.fn(projected.add(this.recurrentInput(h, recurrentMask).matmul(this.recurrentKernel!.value))),
    ];
  }
}

registerLayer("SimpleRNNCell", (c) => new SimpleRNNCell(c.units as number, cellFromConfig(c)));
