/** The dispatch table: one handler per request type, on shell and (through the watchdog) control. */
import type { Handler, KernelContext } from "./context";
import { executeHandler } from "./execute";
import { completeHandler, inspectHandler, isCompleteHandler } from "./introspection";
import {
  commCloseHandler,
  commInfoHandler,
  commMsgHandler,
  commOpenHandler,
  debugHandler,
  historyHandler,
  kernelInfoHandler,
  shutdownHandler,
} from "./session";

export type { Handler, KernelContext, Request } from "./context";

export function requestHandlers(kernel: KernelContext): Record<string, Handler> {
  return {
    kernel_info_request: kernelInfoHandler(kernel),
    execute_request: executeHandler(kernel),
    is_complete_request: isCompleteHandler(kernel),
    complete_request: completeHandler(kernel),
    inspect_request: inspectHandler(kernel),
    history_request: historyHandler(kernel),
    comm_info_request: commInfoHandler(kernel),
    comm_open: commOpenHandler(kernel),
    comm_msg: commMsgHandler(kernel),
    comm_close: commCloseHandler(kernel),
    shutdown_request: shutdownHandler(kernel),
    debug_request: debugHandler(kernel),
  };
}
