/**
 * A small class on a real JupyterHub (Debian's jupyterhub, SimpleLocalProcessSpawner, the nnlab kernel
 * installed with `nnlab install --prefix` for every user): three students get a server each through the hub's
 * REST API and open a notebook on the nnlab kernel through @jupyterlab/services, by way of the hub's proxy.
 * Two train the lecture CNN together while the third's `1 + 1` must stay answered; then one student's
 * kernel runs away (a busy loop, huge allocations, process.exit, a storm of timers) while the other's small
 * cells must stay answered; and once the servers are stopped no nnlab kernel may be left.
 *
 * `npm run soak:hub` runs the same class at N = 5, 10 and 20 and prints its figures (test/bench/hub.ts).
 */
import { KernelMessage } from "@jupyterlab/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClassReport,
  dismiss,
  enrol,
  formatReports,
  openNotebook,
  run,
  startProbe,
  type Student,
  trainTogether,
} from "../support/classroom";
import { type Hub, startHub } from "../support/jupyterhub";
import { commandLine } from "../support/processes";

/** Generous: a liveness bound, not a performance figure (2 shared cores in CI). */
const RESPONSIVE_MS = 5000;
const MEM_LIMIT_BYTES = 2 * 1024 ** 3;

describe("a class of three on a real JupyterHub", () => {
  let hub: Hub;
  let students: Student[] = [];
  let report: ClassReport;

  beforeAll(async () => {
    hub = await startHub({ cpuLimit: 1, memLimit: "2G" });
  });

  afterAll(async () => {
    for (const student of students) student.close();
    await hub?.stop();
  });

  it("starts a server per student through the hub's REST API, each with an nnlab notebook reached through the proxy", async () => {
    students = await enrol(hub, ["probe", "ada", "grace"]);
    for (const student of students) {
      const info = await student.kernel().info;
      expect(info.implementation).toBe("nnlab");
      expect(student.server.pid).toBeGreaterThan(0);
      expect(hub.kernelTreeOf(student.server).length, `${student.server.name}'s kernel`).toBeGreaterThan(0);
    }
    expect(hub.kernelProcesses()).toHaveLength(3);
  }, 240_000);

  it("trains the reduced lecture CNN in two kernels at once while a third student's 1 + 1 stays answered", async () => {
    const [probe, ...trainers] = students;
    report = await trainTogether(hub, probe, trainers, { images: 1500, epochs: 1 });
    console.log(`${formatReports([report])}\nkernel limits: ${JSON.stringify(report.limits)}`);
    expect(report.failures).toEqual([]);
    expect(report.finished).toBe(2);
    // Better than chance (0.1) after one epoch on 1,500 images: the models did learn.
    expect(report.accuracy.min).toBeGreaterThan(0.3);
    expect(report.latencyMs.samples).toBeGreaterThan(0);
    expect(report.latencyMs.max).toBeLessThan(RESPONSIVE_MS);
    expect(report.imagesPerSecond).toBeGreaterThan(0);
    expect(report.kernelPeakMiB.max).toBeGreaterThan(0);
    expect(report.hubMiB).toBeGreaterThan(0);
    // The hub's limits reach the kernel's environment, and the kernel follows the CPU limit: one compute
    // thread under cpu_limit = 1, where it would otherwise start one per core.
    expect(Number(report.limits.cpuLimit)).toBe(1);
    expect(Number(report.limits.memLimit)).toBe(MEM_LIMIT_BYTES);
    expect(report.limits.backendThreads).toBe(1);
  }, 240_000);

  it("keeps one student's small cells answered while another student's kernel runs away", async () => {
    const [probe, runaway] = students;
    const probing = startProbe(probe, 500);
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      const loop = runaway.kernel().requestExecute({ code: "while (true) {}" });
      await new Promise<void>((resolve) => {
        loop.onIOPub = (msg) => {
          if (KernelMessage.isExecuteInputMsg(msg)) resolve();
        };
      });
      await sleep(3000);
      await runaway.kernel().interrupt();
      const interrupted = await loop.done;
      expect(interrupted.content.status === "error" && interrupted.content.ename).toBe("InterruptError");

      const tensor = await run(runaway.kernel(), "const huge = nn.zeros([100000, 100000]);");
      expect(tensor.status, "a 40 GB tensor").toBe("error");
      const array = await run(runaway.kernel(), "const hugeArray = new Float64Array(2 ** 40);");
      expect(array.ename, "an 8 TiB typed array").toBe("RangeError");
      const exit = await run(runaway.kernel(), "process.exit(1)");
      expect(exit.status, "process.exit is refused").toBe("error");
      const timers = await run(
        runaway.kernel(),
        "for (let i = 0; i < 100_000; i++) setTimeout(() => {}, i % 1000);\n" +
          "for (let i = 0; i < 100; i++) setInterval(() => { for (let j = 0; j < 1e6; j++); }, 1);",
      );
      expect(timers.status).toBe("ok");
      await sleep(3000);
      await runaway.kernel().restart();
      const after = await run(runaway.kernel(), "1 + 1", 60_000);
      expect(after.status, "the runaway student's kernel after a restart").toBe("ok");
    } finally {
      const samples = await probing.stop();
      expect(samples.length).toBeGreaterThan(5);
      expect(samples.filter((s) => s.status !== "ok")).toEqual([]);
      expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(RESPONSIVE_MS);
    }
  }, 180_000);

  it("leaves no nnlab kernel behind once the servers are stopped through the REST API", async () => {
    const { leftoverKernels } = await dismiss(hub, students);
    students = [];
    const described = leftoverKernels.map((pid) => `${pid}: ${commandLine(pid)}`).join("\n");
    expect(leftoverKernels, `nnlab kernels still running after their servers stopped:\n${described}`).toEqual([]);
  }, 120_000);
});

/**
 * Debian's jupyterhub-singleuser serves a bare jupyter_server (no page for students; /tree is 404). The
 * configuration docs/deploy.md gives instructors runs the classic notebook instead: check that its page
 * answers, that it runs nnlab, and that stopping the server shuts its kernel down (the notebook does; the bare
 * jupyter_server 1.23 leaves its kernels to notice that their parent is gone).
 */
describe("a student on the classic notebook, as docs/deploy.md configures Debian's JupyterHub", () => {
  let hub: Hub;
  let student: Student | undefined;

  beforeAll(async () => {
    hub = await startHub({ environment: { JUPYTERHUB_SINGLEUSER_APP: "notebook.notebookapp.NotebookApp" } });
  });

  afterAll(async () => {
    student?.close();
    await hub?.stop();
  });

  it("serves the notebook page, runs nnlab, and shuts the kernel down when the server stops", async () => {
    const server = await hub.addStudent("classic");
    const page = await fetch(`${server.baseUrl}tree`, { headers: { Authorization: `token ${server.token}` } });
    expect(page.status).toBe(200);
    student = await openNotebook(server, "04-cnn-mnist.ipynb");
    const result = await run(student.kernel(), "nn.tensor([1, 2, 3]).sum().item()");
    expect(result.status, result.error).toBe("ok");
    expect(hub.kernelProcesses()).toHaveLength(1);
    const { leftoverKernels } = await dismiss(hub, [student]);
    student = undefined;
    expect(leftoverKernels).toEqual([]);
  }, 120_000);
});
