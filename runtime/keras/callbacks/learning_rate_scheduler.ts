/** Sets the learning rate at the start of every epoch from a schedule (Keras's LearningRateScheduler). */
import { Callback, type Logs } from "./callback";

/** Epoch (0-based) and current learning rate -> the learning rate for this epoch. */
export type Schedule = (epoch: number, learningRate: number) => number;

export class LearningRateScheduler extends Callback {
  constructor(
    readonly schedule: Schedule,
    readonly verbose = 0,
  ) {
    super();
  }

  override onEpochBegin(epoch: number): void {
    const optimizer = this.model?.optimizer;
    if (!optimizer) throw new Error("LearningRateScheduler: the model has no optimizer; call model.compile() first");
    const next = this.schedule(epoch, optimizer.learningRate);
    if (typeof next !== "number" || !Number.isFinite(next)) {
      throw new Error(
        `LearningRateScheduler: the schedule returned ${String(next)} for epoch ${epoch}; it must return a finite number`,
      );
    }
    optimizer.learningRate = next;
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${next}.`);
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    if (this.model?.optimizer) logs.learning_rate = this.model.optimizer.learningRate;
  }
}
