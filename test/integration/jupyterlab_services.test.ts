/**
 * JupyterLab's own client library (@jupyterlab/services) drives an nnlab kernel through a real
 * `jupyter server`, as the JupyterLab front end does: sessions, execution, iopub, interrupt, restart, shutdown.
 */
import {
  type Kernel,
  KernelMessage,
  KernelManager,
  ServerConnection,
  type Session,
  SessionManager,
} from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type JupyterEnv, createJupyterEnv } from "../support/jupyter_env";
import { type JupyterServer, startJupyterServer } from "../support/jupyter_server";
import { processesMentioning } from "../support/processes";

describe("nnlab through @jupyterlab/services and a real jupyter server", () => {
  let jupyter: JupyterEnv;
  let server: JupyterServer;
  let kernelManager: KernelManager;
  let sessionManager: SessionManager;
  let session: Session.ISessionConnection;

  const kernel = (): Kernel.IKernelConnection => {
    if (!session.kernel) throw new Error("the session has no kernel");
    return session.kernel;
  };
  const kernelProcesses = (): number[] => processesMentioning(`${jupyter.runtimeDir}/kernel-`);

  beforeAll(async () => {
    jupyter = await createJupyterEnv();
    server = await startJupyterServer(jupyter);
    const serverSettings = ServerConnection.makeSettings({
      baseUrl: server.baseUrl,
      wsUrl: server.wsUrl,
      token: server.token,
      appendToken: true,
      // Node 20 has fetch but no WebSocket; `ws` speaks the same API.
      WebSocket: WebSocket as unknown as ServerConnection.ISettings["WebSocket"],
    });
    kernelManager = new KernelManager({ serverSettings });
    sessionManager = new SessionManager({ kernelManager, serverSettings });
    await sessionManager.ready;
  });

  afterAll(async () => {
    sessionManager?.dispose();
    kernelManager?.dispose();
    await server?.stop();
    jupyter?.dispose();
  });

  it("starts an nnlab kernel in a notebook session and reports TypeScript in kernel_info", async () => {
    session = await sessionManager.startNew({
      path: "services.ipynb",
      name: "services.ipynb",
      type: "notebook",
      kernel: { name: "nnlab" },
    });
    const info = await kernel().info;
    expect(info.implementation).toBe("nnlab");
    expect(info.language_info.name).toBe("typescript");
    expect(info.language_info.file_extension).toBe(".ts");
  });

  it("runs a cell: stdout arrives as a stream and the last expression as execute_result", async () => {
    const { reply, iopub } = await execute(kernel(), 'console.log("hello from nnlab");\n6 * 7');
    expectOk(reply);
    const streams = iopub.filter(KernelMessage.isStreamMsg);
    expect(streams.map((m) => m.content.text).join("")).toContain("hello from nnlab");
    expect(streams.every((m) => m.content.name === "stdout")).toBe(true);
    const results = iopub.filter(KernelMessage.isExecuteResultMsg);
    expect(results).toHaveLength(1);
    expect(results[0].content.data["text/plain"]).toBe("42");
    expect(results[0].content.execution_count).toBe(reply.content.execution_count);
  });

  it("sends display.html output as display_data with a text/html part", async () => {
    const { reply, iopub } = await execute(kernel(), 'display.html("<p>shown by nnlab</p>")');
    expectOk(reply);
    const displays = iopub.filter(KernelMessage.isDisplayDataMsg);
    expect(displays).toHaveLength(1);
    expect(displays[0].content.data["text/html"]).toBe("<p>shown by nnlab</p>");
  });

  it("updates a display in place: display(x, { id }) then handle.update(y) sends update_display_data", async () => {
    const { reply, iopub } = await execute(
      kernel(),
      'const progress = display("step 1", { id: "services-progress" });\nprogress.update("step 2");',
    );
    expectOk(reply);
    const shown = iopub.filter(KernelMessage.isDisplayDataMsg);
    const updated = iopub.filter(KernelMessage.isUpdateDisplayDataMsg);
    expect(shown.map((m) => m.content.transient)).toEqual([{ display_id: "services-progress" }]);
    expect(updated.map((m) => [m.content.transient, m.content.data["text/plain"]])).toEqual([
      [{ display_id: "services-progress" }, "'step 2'"],
    ]);
  });

  it("asks the front end for input over stdin and continues with the answer", async () => {
    const future = kernel().requestExecute({ code: 'const who = await input("Name: ");\nconsole.log(`hi ${who}`);' });
    const prompts: string[] = [];
    const iopub: KernelMessage.IIOPubMessage[] = [];
    future.onStdin = (msg) => {
      if (!KernelMessage.isInputRequestMsg(msg)) return;
      prompts.push(msg.content.prompt);
      kernel().sendInputReply({ status: "ok", value: "Ada" }, msg.header);
    };
    future.onIOPub = (msg) => {
      iopub.push(msg);
    };
    expectOk(await future.done);
    expect(prompts).toEqual(["Name: "]);
    const stdout = iopub.filter(KernelMessage.isStreamMsg).map((m) => m.content.text);
    expect(stdout.join("")).toContain("hi Ada");
  });

  it("closes a comm that the front end opens to a target nobody registered", async () => {
    const comm = kernel().createComm("nnlab.no-such-target");
    const closed = new Promise<KernelMessage.ICommCloseMsg>((resolve) => {
      comm.onClose = (msg) => resolve(msg);
    });
    await comm.open({}).done;
    expect((await closed).content.comm_id).toBe(comm.commId);
  });

  it("reports a thrown error as an error message and an error reply", async () => {
    const { reply, iopub } = await execute(kernel(), 'throw new RangeError("out of range here")');
    expect(reply.content.status).toBe("error");
    const errors = iopub.filter(KernelMessage.isErrorMsg);
    expect(errors).toHaveLength(1);
    expect(errors[0].content.ename).toBe("RangeError");
    expect(errors[0].content.evalue).toContain("out of range here");
  });

  it("interrupts a busy loop with InterruptError and keeps earlier variables", async () => {
    expectOk((await execute(kernel(), "const keptAcrossInterrupt = 5;")).reply);
    const busy = kernel().requestExecute({ code: "while (true) {}" });
    await new Promise<void>((resolve) => {
      busy.onIOPub = (msg) => {
        if (KernelMessage.isExecuteInputMsg(msg)) resolve();
      };
    });
    await kernel().interrupt();
    const reply = await busy.done;
    expect(reply.content.status).toBe("error");
    expect(reply.content.status === "error" && reply.content.ename).toBe("InterruptError");
    const after = await execute(kernel(), "keptAcrossInterrupt + 1");
    expect(after.iopub.filter(KernelMessage.isExecuteResultMsg)[0]?.content.data["text/plain"]).toBe("6");
  });

  it("restarts into a fresh process whose globals are gone, counting executions from 1 again", async () => {
    expectOk((await execute(kernel(), "(globalThis as Record<string, unknown>).setBeforeRestart = true;")).reply);
    await kernel().restart();
    const { reply, iopub } = await execute(kernel(), '"setBeforeRestart" in globalThis');
    expectOk(reply);
    expect(reply.content.execution_count).toBe(1);
    expect(iopub.filter(KernelMessage.isExecuteResultMsg)[0]?.content.data["text/plain"]).toBe("false");
  });

  it("shutting the session down ends the kernel process", async () => {
    expect(kernelProcesses()).toHaveLength(1);
    await session.shutdown();
    const deadline = Date.now() + 15_000;
    while (kernelProcesses().length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(kernelProcesses()).toEqual([]);
    const running: unknown = await fetch(`${server.baseUrl}api/kernels?token=${server.token}`).then((r) => r.json());
    expect(running).toEqual([]);
  });
});

/** Runs `code` and collects every iopub message of the request up to its reply. */
async function execute(
  kernel: Kernel.IKernelConnection,
  code: string,
): Promise<{ reply: KernelMessage.IExecuteReplyMsg; iopub: KernelMessage.IIOPubMessage[] }> {
  const iopub: KernelMessage.IIOPubMessage[] = [];
  const future = kernel.requestExecute({ code });
  future.onIOPub = (msg) => {
    iopub.push(msg);
  };
  const reply = await future.done;
  return { reply, iopub };
}

/** Asserts an ok reply, showing the kernel's error when it is not. */
function expectOk(reply: KernelMessage.IExecuteReplyMsg): void {
  const content = reply.content;
  const error =
    content.status === "error" ? `${content.ename}: ${content.evalue}\n${content.traceback.join("\n")}` : "";
  expect(content.status, error).toBe("ok");
}
