/**
 * The kernel process (`nnlab kernel --connection-file F`): binds the sockets
 * and answers kernel_info at once; the TypeScript executor loads behind that.
 * Faults that escape user code (an exception thrown in a callback, a rejected
 * promise nobody awaits) never end the kernel.
 */
import { setFlagsFromString } from "node:v8";
import { readConnectionFile } from "./protocol/connection";
import type { Executor, ExecutorOptions } from "./contracts";
import type * as ExecutorModule from "./execution/executor";
import { createLog, describeError } from "./log";
import { KernelServer } from "./protocol/server";

/**
 * V8 optimizes no function whose bytecode is longer than this. TypeScript's `createTypeChecker` (29 KB of
 * bytecode in TS 5.9) runs once per cell, so after about 550 cells V8 judged it hot and optimized it: 1.7 s
 * of compiling on a background thread, whose ~120 MiB of compiler memory the C allocator then kept for the
 * rest of the session (docs/reliability.md). V8's default is 60 KiB; functions past 20 KB are rare (a cell
 * of several hundred lines), and they still run, only unoptimized.
 */
const MAX_OPTIMIZED_BYTECODE_BYTES = 20_000;

/** Starts the kernel; the process exits when the kernel is shut down. */
export async function runKernel(connectionFile: string): Promise<void> {
  setFlagsFromString(`--max-optimized-bytecode-size=${MAX_OPTIMIZED_BYTECODE_BYTES}`);
  const log = createLog("main");
  const connection = readConnectionFile(connectionFile);
  // Interrupts are the watchdog's (see protocol/watchdog.ts). This listener keeps SIGINT from ending the
  // process before the watchdog listens; afterwards the signal reaches both threads and only the watchdog acts.
  process.on("SIGINT", () => undefined);
  // The executor shows these on the cell they belong to (kernel/execution/faults.ts); here they are only
  // logged, and having a listener at all is what keeps one from ending the process.
  process.on("uncaughtException", (error) => log.error(`uncaught exception: ${describeError(error)}`));
  process.on("unhandledRejection", (reason) => log.error(`unhandled rejection: ${describeError(reason)}`));

  await KernelServer.start({ connection, log, loadExecutor, onExit: (code) => process.exit(code) });
  log.info(
    `nnlab kernel ${process.pid} listening on ${connection.transport}://${connection.ip}, ${Math.round(process.uptime() * 1000)} ms after start`,
  );
}

/** Loaded on demand: the executor pulls in the TypeScript compiler, which must not delay binding. */
async function loadExecutor(options: ExecutorOptions): Promise<Executor> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy synchronous load; import() would go through Node's ESM loader
  const { createExecutor } = require("./execution/executor") as typeof ExecutorModule;
  return createExecutor(options);
}
