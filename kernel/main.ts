/**
 * The kernel process (`nnlab kernel --connection-file F`): binds the sockets
 * and answers kernel_info at once; the TypeScript executor loads behind that.
 * Faults that escape user code (an exception thrown in a callback, a rejected
 * promise nobody awaits) are shown on the cell they belong to and never end
 * the kernel.
 */
import { readConnectionFile } from "./connection";
import type { Executor, ExecutorOptions } from "./contracts";
import { createLog } from "./log";
import { KernelServer } from "./server";

/** Runs the kernel until it is shut down; resolves with the exit code. */
export async function runKernel(connectionFile: string): Promise<number> {
  const log = createLog("main");
  const connection = readConnectionFile(connectionFile);
  // Interrupts are the watchdog's (see watchdog.ts). This listener keeps SIGINT from ending the process
  // before the watchdog listens; afterwards the signal reaches both threads and only the watchdog acts.
  process.on("SIGINT", () => undefined);
  let server: KernelServer | undefined;
  const fault = (origin: string) => (error: unknown) => {
    if (server) server.reportFault(error, origin);
    else log.error(`${origin} before the kernel was up: ${String(error)}`);
  };
  process.on("uncaughtException", fault("Uncaught exception"));
  process.on("unhandledRejection", fault("Unhandled promise rejection"));

  server = await KernelServer.start({ connection, log, loadExecutor });
  log.info(`nnlab kernel ${process.pid} listening (${connection.transport}://${connection.ip})`);
  await server.closed;
  return 0;
}

/** Loaded on demand: the executor pulls in the TypeScript compiler, which must not delay binding. */
async function loadExecutor(options: ExecutorOptions): Promise<Executor> {
  const { createExecutor } = require("./executor") as typeof import("./executor");
  return createExecutor(options);
}
