/**
 * Debian's classic notebook (Notebook 6.x, `jupyter notebook`) in Debian's Chromium runs the lecture CNN
 * fixture: pictures load, charts draw and the training curves grow while fit runs (lecture_cnn_suite.ts).
 */
import { describe, expect, it } from "vitest";
import { SYSTEM_PYTHON, requirePythonModule } from "../support/paths";
import { runProcess } from "../support/processes";
import { classicNotebook } from "./front_ends";
import { describeLectureCnnIn } from "./lecture_cnn_suite";

describe("Debian's jupyter-notebook package", () => {
  it("is the classic Notebook 6.x", async () => {
    requirePythonModule("notebook", "jupyter-notebook");
    const version = await runProcess(SYSTEM_PYTHON, ["-m", "notebook", "--version"], { timeoutMs: 30_000 });
    expect(version.output.trim()).toMatch(/^6\.\d+\.\d+$/);
  });
});

describeLectureCnnIn(classicNotebook);
