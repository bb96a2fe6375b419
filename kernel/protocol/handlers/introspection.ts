/**
 * What the front end asks about code without running it: `is_complete`,
 * `complete` and `inspect`. They wait for the executor like cells do.
 */
import type { Executor } from "../../contracts";
import { whenSettled } from "../settle";
import { type Handler, type KernelContext, numberField, type Request, stringField } from "./context";

export function isCompleteHandler(kernel: KernelContext): Handler {
  return (request) =>
    withExecutor(kernel, request, "is_complete_reply", (executor) => {
      const result = executor.isComplete(stringField(request.message.content, "code"));
      const content =
        result.status === "incomplete"
          ? { status: result.status, indent: result.indent ?? "" }
          : { status: result.status };
      kernel.reply(request, "is_complete_reply", content);
    });
}

export function completeHandler(kernel: KernelContext): Handler {
  return (request) =>
    withExecutor(kernel, request, "complete_reply", (executor) => {
      const code = stringField(request.message.content, "code");
      const result = executor.complete(code, numberField(request.message.content, "cursor_pos", [...code].length));
      kernel.reply(request, "complete_reply", {
        status: "ok",
        matches: result.matches,
        cursor_start: result.cursorStart,
        cursor_end: result.cursorEnd,
        metadata: result.metadata,
      });
    });
}

export function inspectHandler(kernel: KernelContext): Handler {
  return (request) =>
    withExecutor(kernel, request, "inspect_reply", (executor) => {
      const { content } = request.message;
      const code = stringField(content, "code");
      const result = executor.inspect(
        code,
        numberField(content, "cursor_pos", [...code].length),
        numberField(content, "detail_level", 0),
      );
      kernel.reply(request, "inspect_reply", {
        status: "ok",
        found: result.found,
        data: result.found && result.bundle ? result.bundle : {},
        metadata: {},
      });
    });
}

/** Runs `use` once the executor is there; an executor that failed to load becomes an error reply. */
function withExecutor(
  kernel: KernelContext,
  request: Request,
  replyType: "is_complete_reply" | "complete_reply" | "inspect_reply",
  use: (executor: Executor) => void,
): Promise<void> {
  return new Promise((resolve) => {
    whenSettled(
      kernel.cells.load(),
      (executor) => {
        use(executor);
        resolve();
      },
      (error) => {
        const evalue = `the TypeScript executor failed to start; restart the kernel (${String(error)})`;
        kernel.reply(request, replyType, { status: "error", ename: "KernelStartupError", evalue, traceback: [] });
        resolve();
      },
    );
  });
}
