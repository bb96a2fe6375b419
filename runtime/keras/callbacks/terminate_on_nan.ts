/** Stops training as soon as a batch loss is NaN or infinite (Keras's TerminateOnNaN). */
import { Callback, type Logs } from "./callback";

export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss === undefined || Number.isFinite(loss) || !this.model) return;
    console.warn(
      `TerminateOnNaN: batch ${batch} gave an invalid loss (${loss}); terminating training. ` +
        `The weights are those after the previous batch's update was applied. ` +
        `Try a smaller learningRate, check the inputs for NaN, or use a loss with fromLogits.`,
    );
    this.model.stopTraining = true;
  }
}
