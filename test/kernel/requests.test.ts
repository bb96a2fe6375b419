import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KernelClient, executeContent, messageTypes, REPO_ROOT } from "./client";

const RUNTIME_COMM = path.join(REPO_ROOT, "dist", "runtime", "comm.js");

describe("shell and control requests", () => {
  let kernel: KernelClient;
  beforeAll(async () => {
    kernel = await KernelClient.start();
  });
  afterAll(async () => {
    await kernel?.close();
  });

  it("after a failing cell with stop_on_error, aborts the execute requests already queued, then runs later ones", async () => {
    const failing = kernel.send(
      "shell",
      "execute_request",
      executeContent('throw new Error("boom")', { stop_on_error: true }),
    );
    const queued = [1, 2].map((n) => kernel.send("shell", "execute_request", executeContent(`${n}`)));
    const failed = await kernel.reply("shell", failing);
    expect(failed.content).toMatchObject({ status: "error", evalue: expect.stringContaining("boom") as unknown });
    for (const id of queued) expect((await kernel.reply("shell", id)).content.status).toBe("aborted");
    const { reply } = await kernel.execute("3");
    expect(reply.content.status).toBe("ok");
  });

  it("also aborts execute requests that arrived while the failing cell blocked the kernel", async () => {
    const started = kernel.marker("blocking");
    const code = `${started.statement}\nconst until = Date.now() + 1000;\nwhile (Date.now() < until) {}\nthrow new Error("late boom");`;
    const failing = kernel.send("shell", "execute_request", executeContent(code, { stop_on_error: true }));
    await started.reached;
    const queued = [1, 2].map((n) => kernel.send("shell", "execute_request", executeContent(`${n}`)));
    expect((await kernel.reply("shell", failing)).content.status).toBe("error");
    for (const id of queued) expect((await kernel.reply("shell", id)).content.status).toBe("aborted");
    expect((await kernel.execute("3")).reply.content.status).toBe("ok");
  });

  it("with stop_on_error false, runs the queued requests after a failing cell", async () => {
    const failing = kernel.send(
      "shell",
      "execute_request",
      executeContent('throw new Error("boom")', { stop_on_error: false }),
    );
    const queued = kernel.send("shell", "execute_request", executeContent("4"));
    expect((await kernel.reply("shell", failing)).content.status).toBe("error");
    expect((await kernel.reply("shell", queued)).content.status).toBe("ok");
  });

  it("publishes an error and replies with ename, evalue and traceback for a failing cell", async () => {
    const { reply, iopub } = await kernel.execute('throw new RangeError("out of range")', { stop_on_error: false });
    expect(reply.content).toMatchObject({ status: "error", ename: "RangeError", evalue: "out of range" });
    expect(Array.isArray(reply.content.traceback)).toBe(true);
    expect(messageTypes(iopub)).toEqual(["status:busy", "execute_input", "error", "status:idle"]);
  });

  it("runs a silent request without execute_input, result or a new execution count", async () => {
    const before = (await kernel.execute("0")).reply.content.execution_count as number;
    const { reply, iopub } = await kernel.execute('console.log("hidden"); 5', { silent: true, store_history: false });
    expect(reply.content.status).toBe("ok");
    expect(messageTypes(iopub)).toEqual(["status:busy", "status:idle"]);
    const after = (await kernel.execute("0")).reply.content.execution_count as number;
    expect(after).toBe(before + 1);
  });

  it("sends stream output before idle", async () => {
    const { iopub } = await kernel.execute(
      'console.log("hello"); await new Promise((r) => setTimeout(r, 50)); console.log("later")',
    );
    const text = iopub
      .filter((m) => m.header.msg_type === "stream")
      .map((m) => m.content.text)
      .join("");
    expect(text).toBe("hello\nlater\n");
    expect(messageTypes(iopub).at(-1)).toBe("status:idle");
  });

  it("evaluates user_expressions after the cell", async () => {
    const { reply } = await kernel.execute("const base = 20;", {
      user_expressions: { twice: "base * 2", bad: "nope.x" },
    });
    const expressions = reply.content.user_expressions as Record<string, Record<string, unknown>>;
    expect(expressions.twice).toMatchObject({ status: "ok", data: { "text/plain": "40" } });
    expect(expressions.bad).toMatchObject({ status: "error" });
  });

  it("asks for input on stdin with the request's identity and resumes the cell with the answer", async () => {
    const id = kernel.send(
      "shell",
      "execute_request",
      executeContent('const answer = await input("Name? ");\nanswer.toUpperCase()', { allow_stdin: true }),
    );
    const request = await kernel.waitFor("stdin", (m) => m.parent_header.msg_id === id, "input_request");
    expect(request.header.msg_type).toBe("input_request");
    expect(request.content).toMatchObject({ prompt: "Name? ", password: false });
    kernel.send("stdin", "input_reply", { value: "ada" });
    expect((await kernel.reply("shell", id)).content.status).toBe("ok");
    const result = (await kernel.iopubUntilIdle(id)).find((m) => m.header.msg_type === "execute_result");
    expect(result?.content.data).toMatchObject({ "text/plain": "'ADA'" });
  });

  it("sends what the cell printed before it asks for input", async () => {
    const id = kernel.send(
      "shell",
      "execute_request",
      executeContent('console.log("before");\nawait input("Next? ")', { allow_stdin: true }),
    );
    const request = await kernel.waitFor("stdin", (m) => m.parent_header.msg_id === id, "input_request");
    const before = await kernel.waitFor(
      "iopub",
      (m) => m.parent_header.msg_id === id && m.content.text === "before\n",
      "the output",
    );
    expect(before.arrival).toBeLessThan(request.arrival);
    kernel.send("stdin", "input_reply", { value: "" });
    expect((await kernel.reply("shell", id)).content.status).toBe("ok");
  });

  it("makes input() fail clearly when the request has allow_stdin false", async () => {
    const { reply } = await kernel.execute('await input("x")', { allow_stdin: false, stop_on_error: false });
    expect(reply.content).toMatchObject({ status: "error", evalue: expect.stringContaining("allow_stdin") as unknown });
  });

  it("answers debug_request with an error reply that says debugging is not supported", async () => {
    const id = kernel.send("control", "debug_request", {
      seq: 1,
      type: "request",
      command: "initialize",
      arguments: {},
    });
    const reply = await kernel.reply("control", id);
    expect(reply.header.msg_type).toBe("debug_reply");
    expect(reply.content).toMatchObject({ status: "error", evalue: expect.stringContaining("not support") as unknown });
  });

  it("answers kernel_info on control too", async () => {
    const id = kernel.send("control", "kernel_info_request", {});
    expect((await kernel.reply("control", id)).content).toMatchObject({ status: "ok", implementation: "nnlab" });
  });

  it("logs and ignores an unknown message type, with busy and idle for it", async () => {
    const id = kernel.send("shell", "no_such_request", {});
    expect(messageTypes(await kernel.iopubUntilIdle(id))).toEqual(["status:busy", "status:idle"]);
    await kernel.logged(/ignored a no_such_request on shell/);
  });

  it("answers a comm_open for an unknown target with comm_close", async () => {
    const id = kernel.send("shell", "comm_open", { comm_id: "c-unknown", target_name: "nobody", data: {} });
    const iopub = await kernel.iopubUntilIdle(id);
    const close = iopub.find((m) => m.header.msg_type === "comm_close");
    expect(close?.content).toMatchObject({ comm_id: "c-unknown" });
  });

  it("opens comms to a target a cell registered, lists them in comm_info, routes messages both ways and closes them", async () => {
    const register = `
      const { getCommManager } = require(${JSON.stringify(RUNTIME_COMM)});
      getCommManager().registerTarget("echo", (comm, data) => {
        comm.send({ opened: data.greeting });
        comm.onMsg((msg) => comm.send({ echo: msg.text }));
      });`;
    expect((await kernel.execute(register)).reply.content.status).toBe("ok");

    const open = kernel.send("shell", "comm_open", {
      comm_id: "c-echo",
      target_name: "echo",
      data: { greeting: "hi" },
    });
    const opened = (await kernel.iopubUntilIdle(open)).find((m) => m.header.msg_type === "comm_msg");
    expect(opened?.content).toMatchObject({ comm_id: "c-echo", data: { opened: "hi" } });

    const info = kernel.send("shell", "comm_info_request", { target_name: "echo" });
    expect((await kernel.reply("shell", info)).content).toEqual({
      status: "ok",
      comms: { "c-echo": { target_name: "echo" } },
    });
    const other = kernel.send("shell", "comm_info_request", { target_name: "other" });
    expect((await kernel.reply("shell", other)).content).toEqual({ status: "ok", comms: {} });

    const msg = kernel.send("shell", "comm_msg", { comm_id: "c-echo", data: { text: "ping" } });
    const echoed = (await kernel.iopubUntilIdle(msg)).find((m) => m.header.msg_type === "comm_msg");
    expect(echoed?.content).toMatchObject({ comm_id: "c-echo", data: { echo: "ping" } });

    const close = kernel.send("shell", "comm_close", { comm_id: "c-echo", data: {} });
    await kernel.iopubUntilIdle(close);
    const after = kernel.send("shell", "comm_info_request", {});
    expect((await kernel.reply("shell", after)).content).toEqual({ status: "ok", comms: {} });
  });

  it("publishes comm_open when a cell opens a comm to the front end, and lists it in comm_info", async () => {
    const code = `require(${JSON.stringify(RUNTIME_COMM)}).getCommManager().open("front", { x: 1 }).commId`;
    const { iopub } = await kernel.execute(code);
    const open = iopub.find((m) => m.header.msg_type === "comm_open");
    expect(open?.content).toMatchObject({ target_name: "front", data: { x: 1 } });
    const info = kernel.send("shell", "comm_info_request", { target_name: "front" });
    const comms = (await kernel.reply("shell", info)).content.comms as Record<string, unknown>;
    expect(Object.keys(comms)).toEqual([open?.content.comm_id]);
  });

  it("answers history requests: tail, range and glob search over this session's inputs", async () => {
    await kernel.execute("const historyMarkerA = 1;");
    await kernel.execute("const historyMarkerB = 2;");
    const tail = kernel.send("shell", "history_request", { hist_access_type: "tail", n: 2, output: false, raw: true });
    const tailReply = await kernel.reply("shell", tail);
    const entries = tailReply.content.history as [number, number, string][];
    expect(entries.map((entry) => entry[2])).toEqual(["const historyMarkerA = 1;", "const historyMarkerB = 2;"]);

    const search = kernel.send("shell", "history_request", {
      hist_access_type: "search",
      pattern: "*historyMarker?*",
      n: 10,
      unique: true,
      output: false,
      raw: true,
    });
    expect(((await kernel.reply("shell", search)).content.history as unknown[]).length).toBe(2);

    const [, line] = entries[1];
    const range = kernel.send("shell", "history_request", {
      hist_access_type: "range",
      session: 0,
      start: line,
      stop: line + 1,
      output: false,
      raw: true,
    });
    expect((await kernel.reply("shell", range)).content.history).toEqual([entries[1]]);
  });

  it("answers is_complete, complete and inspect", async () => {
    const incomplete = kernel.send("shell", "is_complete_request", { code: "function f() {" });
    expect((await kernel.reply("shell", incomplete)).content.status).toBe("incomplete");
    const complete = kernel.send("shell", "complete_request", { code: "Math.fl", cursor_pos: 7 });
    const completion = await kernel.reply("shell", complete);
    expect(completion.content).toMatchObject({ status: "ok", cursor_end: 7 });
    expect(completion.content.matches).toContain("floor");
    const inspect = kernel.send("shell", "inspect_request", { code: "Math.floor", cursor_pos: 10, detail_level: 0 });
    expect((await kernel.reply("shell", inspect)).content).toMatchObject({ status: "ok", found: true });
  });
});
