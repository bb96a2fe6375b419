/**
 * A notebook executed headlessly with `jupyter nbconvert --execute` on the kernelspec `nnlab install --prefix`
 * wrote, from an empty directory with no node_modules anywhere above it: what Jupyter does with nnlab after a
 * plain install, and what the course-notebook tests rely on.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JupyterEnv, createJupyterEnv } from "../support/jupyter-env";
import { REPO_ROOT, SYSTEM_PYTHON, requirePythonModule } from "../support/paths";
import { type RunResult, runProcess } from "../support/processes";

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

/** Copies a notebook from test/fixtures into a fresh empty directory and executes it there. */
async function executeFixture(
  jupyter: JupyterEnv,
  fixture: string,
): Promise<{ run: RunResult; executed: Notebook | null }> {
  const workDir = path.join(jupyter.root, `work-${path.basename(fixture, ".ipynb")}`);
  mkdirSync(workDir);
  copyFileSync(path.join(REPO_ROOT, "test", "fixtures", fixture), path.join(workDir, fixture));
  const result = path.join(workDir, "executed.ipynb");
  const run = await runProcess(
    SYSTEM_PYTHON,
    [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=nnlab",
      "--ExecutePreprocessor.timeout=120",
      "--output-dir",
      workDir,
      "--output",
      "executed",
      fixture,
    ],
    { cwd: workDir, env: jupyter.env, timeoutMs: 170_000 },
  );
  const executed = existsSync(result) ? (JSON.parse(readFileSync(result, "utf8")) as Notebook) : null;
  return { run, executed };
}

/** The `mime` data of the first output of `type`. */
function dataOf(outputs: Output[], type: string, mime: string): string | undefined {
  return joined(outputs.find((o) => o.output_type === type)?.data?.[mime]);
}

/** nbformat may store multi-line text as a list of lines. */
function joined(text: string | string[] | undefined): string | undefined {
  return Array.isArray(text) ? text.join("") : text;
}
