/**
 * `npm run soak:hub`: a whole class on one real JupyterHub (test/support/jupyterhub.ts), N = 5, 10 and 20
 * students, a fresh hub for each N. Every student gets a server through the hub's REST API and a notebook
 * on the nnlab kernel; N of them train a reduced notebook 04 (the lecture CNN on NNLAB_SOAK_IMAGES training
 * images, default 2,000, one epoch) at the same time while one more student runs `1 + 1` every second.
 * Prints one table row per N (test/support/classroom.ts says what each column measures); the run fails
 * (exit code 1) when a student's cell failed or kernels outlived their stopped servers.
 * `NNLAB_SOAK_STUDENTS=5,10` picks other sizes.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { type ClassReport, dismiss, enrol, formatReports, type Student, trainTogether } from "../support/classroom";
import { startHub } from "../support/jupyterhub";

const SIZES = (process.env.NNLAB_SOAK_STUDENTS ?? "5,10,20").split(",").map(Number);
const IMAGES = Number(process.env.NNLAB_SOAK_IMAGES ?? 2000);
const EPOCHS = 1;
/** What the hub passes each server (LocalProcessSpawner enforces neither). */
const LIMITS = { cpuLimit: 1, memLimit: "2G" };

export async function runHubSoak(): Promise<string> {
  const reports: ClassReport[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  for (const n of SIZES) {
    const began = performance.now();
    const report = await classOf(n);
    reports.push(report);
    notes.push(
      `N=${n}: ${((performance.now() - began) / 1000).toFixed(0)} s in all, servers stopped in ${report.stopSeconds?.toFixed(1)} s`,
    );
    problems.push(...report.failures.map((f) => `N=${n}: ${f}`));
    if (report.leftoverKernels)
      problems.push(`N=${n}: ${report.leftoverKernels} nnlab kernels outlived their stopped servers`);
    console.log(formatReports(reports.slice(-1)));
  }
  if (problems.length) process.exitCode = 1;
  return [
    `A class on one JupyterHub (${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB): N students train ` +
      `the lecture CNN on ${IMAGES} MNIST images for ${EPOCHS} epoch at once, 1 more runs 1 + 1 every second; ` +
      `Spawner.cpu_limit = ${LIMITS.cpuLimit}, mem_limit = ${LIMITS.memLimit}.`,
    formatReports(reports),
    ...notes,
    ...(problems.length ? ["FAILED:", ...problems] : ["every student finished"]),
  ].join("\n");
}

async function classOf(n: number): Promise<ClassReport> {
  const hub = await startHub(LIMITS);
  let students: Student[] = [];
  try {
    const names = ["probe", ...Array.from({ length: n }, (_, i) => `student${String(i + 1).padStart(2, "0")}`)];
    students = await enrol(hub, names);
    const [probe, ...trainers] = students;
    const report = await trainTogether(hub, probe, trainers, { images: IMAGES, epochs: EPOCHS });
    const { leftoverKernels, stopSeconds } = await dismiss(hub, students);
    students = [];
    return { ...report, leftoverKernels: leftoverKernels.length, stopSeconds };
  } finally {
    for (const student of students) student.close();
    await hub.stop();
  }
}
