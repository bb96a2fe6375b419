/**
 * A notebook executed headlessly with `jupyter nbconvert --execute` on the kernelspec `nnlab install --prefix`
 * wrote, from an empty directory with no node_modules anywhere above it: what Jupyter does with nnlab after a
 * plain install, and what the course-notebook tests rely on.
 */
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JupyterEnv, createJupyterEnv } from "../support/jupyter_env";
import { executeNotebook } from "../support/nbconvert";
import { REPO_ROOT, requirePythonModule } from "../support/paths";
import type { RunResult } from "../support/processes";

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
interface Notebook {
  cells: { cell_type: string; outputs?: Output[] }[];
}

describe("jupyter nbconvert --execute with the nnlab kernel", () => {
  let jupyter: JupyterEnv;

  beforeAll(async () => {
    requirePythonModule("nbconvert", "jupyter-nbconvert");
    jupyter = await createJupyterEnv();
  });

  afterAll(() => jupyter?.dispose());

  it("runs a notebook from an empty directory and records stdout, results and displays", async () => {
    const { run, executed } = await executeFixture(jupyter, "nbconvert-smoke.ipynb");
    expect(run.code, run.output).toBe(0);
    const outputs = (executed?.cells ?? []).filter((c) => c.cell_type === "code").map((c) => c.outputs ?? []);
    expect(outputs).toHaveLength(4);
    expect(outputs[0].map((o) => [o.output_type, o.name, joined(o.text)])).toEqual([
      ["stream", "stdout", "sum of squares 14\n"],
    ]);
    expect(dataOf(outputs[1], "execute_result", "text/plain")).toBe("3");
    expect(dataOf(outputs[2], "display_data", "text/html")).toBe("<p>rendered by nnlab</p>");
    expect(dataOf(outputs[3], "execute_result", "text/plain")).toBe("9");
  }, 180_000);

  it("fails the run at a cell that throws, naming the error, and runs no later cell", async () => {
    const { run, executed } = await executeFixture(jupyter, "nbconvert-error.ipynb");
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toContain("fixture failure");
    expect(run.output).not.toContain("must not run");
    expect(executed).toBeNull();
  }, 180_000);
});

/**
 * Copies a notebook from test/fixtures into a fresh empty directory and executes it there: nbconvert starts
 * the kernel in the notebook's own directory, which must have no node_modules above it.
 */
async function executeFixture(
  jupyter: JupyterEnv,
  fixture: string,
): Promise<{ run: RunResult; executed: Notebook | null }> {
  const workDir = path.join(jupyter.root, `work-${path.basename(fixture, ".ipynb")}`);
  mkdirSync(workDir);
  const notebook = path.join(workDir, fixture);
  copyFileSync(path.join(REPO_ROOT, "test", "fixtures", fixture), notebook);
  return executeNotebook<Notebook>(jupyter, notebook, { cellTimeoutS: 120, timeoutMs: 170_000 });
}

/** The `mime` data of the first output of `type`. */
function dataOf(outputs: Output[], type: string, mime: string): string | undefined {
  return joined(outputs.find((o) => o.output_type === type)?.data?.[mime]);
}

/** nbformat may store multi-line text as a list of lines. */
function joined(text: string | string[] | undefined): string | undefined {
  return Array.isArray(text) ? text.join("") : text;
}
