/**
 * Requests about the kernel session rather than code: `kernel_info`,
 * `history`, the comm requests, `shutdown`, and `debug` (refused clearly:
 * nnlab has no debugger).
 */
import { kernelInfoContent } from "../../info";
import type { Content } from "../messages";
import { nextTurn } from "../timers";
import { type Handler, type KernelContext, numberField, stringField } from "./context";

export function kernelInfoHandler(kernel: KernelContext): Handler {
  return (request) => {
    kernel.reply(request, "kernel_info_reply", kernelInfoContent());
    // The compiler loads once the front end knows the kernel is there.
    nextTurn(() => void kernel.cells.load());
  };
}

export function historyHandler(kernel: KernelContext): Handler {
  return (request) => {
    const { content } = request.message;
    const output = content.output === true;
    const n = numberField(content, "n", 0);
    let history;
    switch (content.hist_access_type) {
      case "range":
        history = kernel.history.range(
          numberField(content, "session", 0),
          numberField(content, "start", 0),
          numberField(content, "stop", 0),
          output,
        );
        break;
      case "search":
        history = kernel.history.search(stringField(content, "pattern") || "*", n, content.unique === true, output);
        break;
      default:
        history = kernel.history.tail(n, output);
    }
    kernel.reply(request, "history_reply", { status: "ok", history });
  };
}

export function commInfoHandler(kernel: KernelContext): Handler {
  return (request) => {
    const target = request.message.content.target_name;
    const comms = kernel.comms.info(typeof target === "string" ? target : undefined);
    kernel.reply(request, "comm_info_reply", { status: "ok", comms });
  };
}

export function commOpenHandler(kernel: KernelContext): Handler {
  return (request) => kernel.comms.handleOpen(request.message.content, request.message.buffers);
}

export function commMsgHandler(kernel: KernelContext): Handler {
  return (request) => {
    if (!kernel.comms.handleMsg(request.message.content, request.message.buffers)) {
      kernel.log.warn(`a comm_msg for comm ${String(request.message.content.comm_id)}, which is not open`);
    }
  };
}

export function commCloseHandler(kernel: KernelContext): Handler {
  return (request) => {
    if (!kernel.comms.handleClose(request.message.content)) {
      kernel.log.warn(`a comm_close for comm ${String(request.message.content.comm_id)}, which is not open`);
    }
  };
}

export function shutdownHandler(kernel: KernelContext): Handler {
  return (request) => {
    const content: Content<"shutdown_reply"> = { status: "ok", restart: request.message.content.restart === true };
    kernel.reply(request, "shutdown_reply", content);
    kernel.publish("shutdown_reply", content, request.message.header);
    kernel.shutdown(content.restart);
  };
}

export function debugHandler(kernel: KernelContext): Handler {
  return (request) =>
    kernel.reply(request, "debug_reply", {
      status: "error",
      ename: "DebuggingNotSupported",
      evalue: "nnlab does not support the Jupyter debugger (kernel_info_reply says debugger: false)",
      traceback: [],
    });
}
