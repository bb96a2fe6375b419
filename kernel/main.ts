/**
 * The kernel process (`nnlab kernel --connection-file F`): binds the sockets
 * and answers kernel_info at once; the TypeScript executor loads behind that.
 * Faults that escape user code (an exception thrown in a callback, a rejected
 * promise nobody awaits) never end the kernel.
 */
import { readConnectionFile } from "./connection";
import type { Executor, ExecutorOptions } from "./contracts";
import { createLog, describeError } from "./log";
import { KernelServer } from "./server";

/** Starts the kernel; the process exits when the kernel is shut down. */
export async function runKernel(connectionFile: string): Promise<void> {
  const log = createLog("main");
  const connection = readConnectionFile(connectionFile);
  // Interrupts are the watchdog's (see watchdog.ts). This listener keeps SIGINT from ending the process
  // before the watchdog listens; afterwards the signal reaches both threads and only the watchdog acts.
  process.on("SIGINT", () => undefined);
  // The executor shows these on the cell they belong to (kernel/faults.ts); here they are only logged, and
  // having a listener at all is what keeps one from ending the process.
  process.on("uncaughtException", (error) => log.error(`uncaught exception: ${describeError(error)}`));
  process.on("unhandledRejection", (reason) => log.error(`unhandled rejection: ${describeError(reason)}`));

  await KernelServer.start({ connection, log, loadExecutor, onExit: (code) => process.exit(code) });
  log.info(`nnlab kernel ${process.pid} listening on ${connection.transport}://${connection.ip}, ${Math.round(process.uptime() * 1000)} ms after start`);
}

/** Loaded on demand: the executor pulls in the TypeScript compiler, which must not delay binding. */
async function loadExecutor(options: ExecutorOptions): Promise<Executor> {
  const { createExecutor } = require("./executor") as typeof import("./executor");
  return createExecutor(options);
}
