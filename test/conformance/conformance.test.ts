/**
 * Runs Jupyter's conformance suite (test_nnlab_kernel.py, a jupyter_kernel_test.KernelTests subclass with
 * every sample the suite has) against the kernelspec that `nnlab install --prefix` writes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JupyterEnv, createJupyterEnv } from "../support/jupyter_env";
import { SYSTEM_PYTHON, requirePythonModule } from "../support/paths";
import { runProcess } from "../support/processes";

/** The tests jupyter_kernel_test 0.4.5 defines; a sample left empty turns one into a skip. */
const SUITE_TESTS = 12;

describe("Jupyter's kernel conformance suite (jupyter_kernel_test)", () => {
  let jupyter: JupyterEnv | undefined;

  beforeAll(async () => {
    requirePythonModule("jupyter_kernel_test", "python3-jupyter-kernel-test");
    jupyter = await createJupyterEnv();
  });

  afterAll(() => jupyter?.dispose());

  it("passes every test of the suite with no failure, no error and no skip", async () => {
    const run = await runProcess(SYSTEM_PYTHON, ["-m", "unittest", "-v", "test_nnlab_kernel"], {
      cwd: __dirname,
      env: { ...jupyter?.env, PYTHONDONTWRITEBYTECODE: "1" },
      timeoutMs: 240_000,
    });
    const summary = parseUnittestSummary(run.output);
    const report = `unittest output:\n${run.output}`;
    expect(summary, report).not.toBeNull();
    expect(summary?.ran, report).toBeGreaterThanOrEqual(SUITE_TESTS);
    expect({ failures: summary?.failures, errors: summary?.errors, skipped: summary?.skipped }, report).toEqual({
      failures: 0,
      errors: 0,
      skipped: 0,
    });
    expect(run.code, report).toBe(0);
  }, 300_000);
});

interface UnittestSummary {
  ran: number;
  failures: number;
  errors: number;
  skipped: number;
}

/** Reads unittest's closing lines: "Ran 12 tests in 3.1s" then "OK (skipped=1)" or "FAILED (failures=2, errors=1)". */
function parseUnittestSummary(output: string): UnittestSummary | null {
  const ran = /^Ran (\d+) tests? in /m.exec(output);
  const verdict = /^(OK|FAILED)(?: \(([^)]*)\))?\s*$/m.exec(output);
  if (!ran || !verdict) return null;
  const counts = new Map<string, number>();
  for (const part of (verdict[2] ?? "").split(",")) {
    const [key, value] = part.trim().split("=");
    if (key && value) counts.set(key, Number(value));
  }
  return {
    ran: Number(ran[1]),
    failures: counts.get("failures") ?? 0,
    errors: counts.get("errors") ?? 0,
    skipped: counts.get("skipped") ?? 0,
  };
}
