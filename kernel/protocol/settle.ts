/**
 * Promise reactions that survive an interrupt.
 *
 * The watchdog stops a busy cell with V8's terminateExecution, and V8 then
 * drops every microtask that was queued at that moment, including the kernel's
 * own reactions (a socket send that completed, a cell outcome that just
 * resolved). A reaction registered here can be attached again after an
 * interrupt; whichever attachment runs first delivers the value, once.
 */

interface Watch {
  attach(): void;
}

const live = new Set<Watch>();

/** Calls `onValue` or `onError` exactly once when `promise` settles, even across an interrupt. */
export function whenSettled<T>(
  promise: Promise<T>,
  onValue: (value: T) => void,
  onError: (error: unknown) => void,
): void {
  let delivered = false;
  const deliver = (run: () => void) => {
    if (delivered) return;
    delivered = true;
    live.delete(watch);
    run();
  };
  const watch: Watch = {
    attach() {
      promise.then(
        (value) => deliver(() => onValue(value)),
        (error: unknown) => deliver(() => onError(error)),
      );
    },
  };
  live.add(watch);
  watch.attach();
}

/** After an interrupt: attach every pending reaction again, since its queued job may have been dropped. */
export function reattachAll(): void {
  for (const watch of [...live]) watch.attach();
}
