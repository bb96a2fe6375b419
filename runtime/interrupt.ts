/**
 * What the runtime does when its host stops running code from outside (the kernel's interrupt, which
 * terminates JavaScript without running `finally` blocks, or settles a cell that still awaits): the
 * runtime's per-call state is reset, and a training loop still awaiting between batches stops at the
 * next batch instead of training on in the background.
 */
import { resetGradMode } from "./autograd";
import { abandonTidyScopes } from "./memory";

let interrupts = 0;

/** Called by the host after it stopped user code. */
export function recoverAfterInterrupt(): void {
  interrupts += 1;
  resetGradMode();
  abandonTidyScopes();
}

/** A count that changes with every interrupt: a long loop compares it with the value it started with. */
export function interruptCount(): number {
  return interrupts;
}
