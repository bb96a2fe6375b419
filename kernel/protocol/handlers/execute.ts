/**
 * `execute_request`, as ipykernel answers it: execute_input, the cell's
 * output, execute_result or error, then the reply with the execution count,
 * user_expressions and pager payloads. `silent` sends no output and counts
 * nothing; `store_history` records the input; a failing cell with
 * `stop_on_error` aborts the execute requests already queued.
 */
import type { KernelMessage } from "@jupyterlab/services";
import { RequestOutput } from "../cell_output";
import { errorParts } from "../cells";
import type { ExecuteOptions, ExecuteOutcome } from "../../contracts";
import type { Content } from "../messages";
import type { JsonObject } from "../wire";
import type { Handler, KernelContext, Request } from "./context";

export function executeHandler(kernel: KernelContext): Handler {
  let executionCount = 0;
  return (request) => {
    const { message } = request;
    const content = message.content as Partial<KernelMessage.IExecuteRequestMsg["content"]>;
    const code = typeof content.code === "string" ? content.code : "";
    const silent = content.silent === true;
    const storeHistory = !silent && content.store_history !== false;
    const allowStdin = content.allow_stdin !== false;
    const stopOnError = content.stop_on_error !== false;
    if (storeHistory) {
      executionCount += 1;
      kernel.history.add(executionCount, code);
    }
    const options: ExecuteOptions = { silent, storeHistory, allowStdin, executionCount };
    if (!silent) kernel.publish("execute_input", { code, execution_count: executionCount }, message.header);
    const metadata = { started: new Date().toISOString() };
    const out = new RequestOutput(kernel.output, message, { silent, allowStdin });
    return new Promise<void>((resolve) => {
      kernel.cells.run(code, out, options, (outcome) => {
        if (!silent) kernel.cells.setFallback(out);
        answer(kernel, request, outcome, out, options, content.user_expressions, metadata);
        if (outcome.status === "error" && stopOnError && !silent) kernel.abortQueue();
        resolve();
      });
    });
  };
}

function answer(
  kernel: KernelContext,
  request: Request,
  outcome: ExecuteOutcome,
  out: RequestOutput,
  options: ExecuteOptions,
  userExpressions: unknown,
  metadata: JsonObject,
): void {
  const { header } = request.message;
  const count = options.executionCount;
  if (outcome.status === "error") {
    const { ename, evalue, traceback } = outcome;
    if (!options.silent) kernel.publish("error", { ename, evalue, traceback }, header);
    const content: Content<"execute_reply"> = {
      status: "error",
      execution_count: count,
      ename,
      evalue,
      traceback,
      user_expressions: {},
      payload: [],
    };
    kernel.reply(request, "execute_reply", content, { ...metadata, status: "error" });
    return;
  }
  if (outcome.result && !options.silent) {
    const { bundle, metadata: resultMetadata } = outcome.result;
    kernel.publish("execute_result", { execution_count: count, data: bundle, metadata: resultMetadata }, header);
    if (options.storeHistory) kernel.history.setOutput(count, bundle["text/plain"]);
  }
  const content: Content<"execute_reply"> = {
    status: "ok",
    execution_count: count,
    user_expressions: evaluate(kernel, userExpressions),
    payload: out.pages.map((bundle) => ({ source: "page", data: bundle, start: 0 })),
  };
  kernel.reply(request, "execute_reply", content, { ...metadata, status: "ok" });
}

/** `user_expressions`, evaluated after a cell that succeeded. */
function evaluate(kernel: KernelContext, expressions: unknown): JsonObject {
  const results: JsonObject = {};
  const executor = kernel.cells.loaded;
  if (typeof expressions !== "object" || expressions === null || !executor) return results;
  for (const [name, expression] of Object.entries(expressions)) {
    try {
      results[name] = executor.evaluateExpression(String(expression));
    } catch (error) {
      results[name] = { status: "error", ...errorParts(error) };
    }
  }
  return results;
}
