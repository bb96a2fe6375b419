/**
 * `jupyter nbconvert --execute` on the nnlab kernel of a private Jupyter world (jupyter_env.ts): how the notebook
 * suites run a notebook as Jupyter's own headless executor does.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { JupyterEnv } from "./jupyter_env";
import { SYSTEM_PYTHON } from "./paths";
import { type RunResult, runProcess } from "./processes";

export interface ExecuteNotebookOptions {
  /** The kernel's working directory (cells resolve `import`s from here); default the notebook's folder. */
  cwd?: string;
  /** Where the executed copy is written, as `<basename of notebook>`; default `jupyter.root`. */
  outputDir?: string;
  /** nbconvert's per-cell limit in seconds. */
  cellTimeoutS: number;
  /** The whole run's limit; the process group is killed after it. */
  timeoutMs: number;
}

/** Executes `notebook` (a path) and returns the run and the executed notebook, or null when none was written. */
export async function executeNotebook<N>(
  jupyter: JupyterEnv,
  notebook: string,
  options: ExecuteNotebookOptions,
): Promise<{ run: RunResult; executed: N | null }> {
  const outputDir = options.outputDir ?? jupyter.root;
  const name = path.basename(notebook, ".ipynb");
  const run = await runProcess(
    SYSTEM_PYTHON,
    [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      `--ExecutePreprocessor.kernel_name=${jupyter.kernelName}`,
      `--ExecutePreprocessor.timeout=${options.cellTimeoutS}`,
      "--output-dir",
      outputDir,
      "--output",
      name,
      notebook,
    ],
    { cwd: options.cwd ?? path.dirname(notebook), env: jupyter.env, timeoutMs: options.timeoutMs },
  );
  const result = path.join(outputDir, `${name}.ipynb`);
  const executed = existsSync(result) ? (JSON.parse(readFileSync(result, "utf8")) as N) : null;
  return { run, executed };
}
