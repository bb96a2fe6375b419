import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parentGone, parentPlan, type ParentProbe } from "../../kernel/protocol/parent_watch";
import { KernelClient, executeContent } from "./client";

/** How long an orphaned kernel may take to go: one poll (1 s) and a clean shutdown. */
const GONE_WITHIN_MS = 5000;

describe("which parent the kernel watches", () => {
  it("watches the direct parent, and JPY_PARENT_PID as well when that is a process further up", () => {
    expect(parentPlan({}, 4242)).toEqual({ ppid: 4242 });
    expect(parentPlan({ JPY_PARENT_PID: "4242" }, 4242)).toEqual({ ppid: 4242 });
    expect(parentPlan({ JPY_PARENT_PID: " 17 " }, 4242)).toEqual({ ppid: 4242, pid: 17 });
  });

  it("ignores an unusable JPY_PARENT_PID and watches nothing under init or an unknown parent", () => {
    expect(parentPlan({ JPY_PARENT_PID: "" }, 4242)).toEqual({ ppid: 4242 });
    expect(parentPlan({ JPY_PARENT_PID: "abc" }, 4242)).toEqual({ ppid: 4242 });
    expect(parentPlan({ JPY_PARENT_PID: "1" }, 4242)).toEqual({ ppid: 4242 });
    expect(parentPlan({}, 1)).toEqual({});
    expect(parentPlan({}, 0)).toEqual({});
    expect(parentPlan({ JPY_PARENT_PID: "17" }, 1)).toEqual({ pid: 17 });
  });

  it("counts the parent gone when the ppid changes or the watched pid no longer exists", () => {
    const probe = (ppid: number, existing: number[]): ParentProbe => ({
      ppid: () => ppid,
      exists: (pid) => existing.includes(pid),
    });
    expect(parentGone({ ppid: 4242 }, probe(4242, []))).toBeUndefined();
    expect(parentGone({ ppid: 4242 }, probe(1, []))).toMatch(/parent process 4242 is gone/);
    // Re-parented to a subreaper rather than init: still gone.
    expect(parentGone({ ppid: 4242 }, probe(999, []))).toMatch(/parent process 4242 is gone/);
    expect(parentGone({ ppid: 4242, pid: 17 }, probe(4242, [17]))).toBeUndefined();
    expect(parentGone({ ppid: 4242, pid: 17 }, probe(4242, []))).toMatch(/process 17 \(JPY_PARENT_PID\) is gone/);
    expect(parentGone({}, probe(1, []))).toBeUndefined();
  });
});

describe("a kernel whose parent dies", () => {
  let kernel: KernelClient | undefined;
  const others: number[] = [];
  afterEach(async () => {
    await kernel?.close();
    kernel = undefined;
    for (const pid of others.splice(0)) signal(pid, "SIGKILL");
  });

  it("shuts down when the process that started it is SIGKILLed, wasm worker threads and all", async () => {
    // JPY_PARENT_PID of an outer Jupyter (the test may run under one) must not be what is watched.
    kernel = await KernelClient.start({ JPY_PARENT_PID: "", NNLAB_WASM_THREADS: "2" }, { viaParent: true });
    const pid = await kernel.kernelPid();
    others.push(pid);
    const { reply, iopub } = await kernel.execute(
      'const a = nn.randn([256, 256]); [nn.backend().name, nn.backend().threads, a.matmul(a).shape.join("x")].join(" ")',
    );
    expect(reply.content.status).toBe("ok");
    expect(iopub.find((m) => m.header.msg_type === "execute_result")?.content.data).toMatchObject({
      "text/plain": "'wasm 2 256x256'",
    });
    expect(alive(pid)).toBe(true);

    const parent = kernel.pid;
    process.kill(parent, "SIGKILL");
    await until(
      () => !alive(pid),
      GONE_WITHIN_MS,
      () => `kernel ${pid} still runs ${GONE_WITHIN_MS} ms after its parent died; log:\n${kernel?.output}`,
    );
    expect(kernel.output).toContain(`parent process ${parent} is gone`);
    expect(kernel.output).toMatch(/INFO main\] shut down\n/);
  });

  it("exits with code 0 when the JPY_PARENT_PID process dies, even while a cell busy-loops", async () => {
    const server = spawn("sleep", ["600"], { stdio: "ignore" });
    const serverPid = server.pid as number;
    others.push(serverPid);
    kernel = await KernelClient.start({ JPY_PARENT_PID: String(serverPid) });
    const looping = kernel.marker("looping");
    kernel.send("shell", "execute_request", executeContent(`${looping.statement}\nwhile (true) {}`));
    await looping.reached;

    server.kill("SIGKILL");
    expect(await kernel.exited(GONE_WITHIN_MS)).toEqual({ code: 0, signal: null });
    expect(kernel.output).toContain(`process ${serverPid} (JPY_PARENT_PID) is gone: shutting down`);
  });
});

/** Whether `pid` runs: neither gone nor a zombie nobody reaped yet. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number, message: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
