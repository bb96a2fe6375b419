/**
 * A private Jupyter world for one test: the nnlab kernelspec installed with `nnlab install --prefix` into a
 * temporary prefix, found through JUPYTER_PATH, with its own runtime, data and config directories so that
 * kernels the user registered (`npm start` runs `nnlab install --user`) and their config never interfere.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { requireBuiltCli } from "./paths";
import { killProcessesMentioning, runProcess } from "./processes";

export interface JupyterEnv {
  /** The temporary directory everything lives in; a marker for finding this test's processes. */
  root: string;
  /** `root/prefix`: what `nnlab install --prefix` was given. */
  prefix: string;
  kernelName: string;
  /** JUPYTER_RUNTIME_DIR: kernels' connection files (`kernel-*.json`) are written here. */
  runtimeDir: string;
  /** The installed `kernel.json`. */
  kernelSpec: { argv: string[]; display_name: string; language: string } & Record<string, unknown>;
  /** process.env plus the JUPYTER_* variables that point into `root`. */
  env: NodeJS.ProcessEnv;
  /** Kills any process still mentioning `root` (kernels started in their own sessions), then deletes it. */
  dispose(): void;
}

export async function createJupyterEnv(kernelName = "nnlab"): Promise<JupyterEnv> {
  const cli = requireBuiltCli();
  const root = mkdtempSync(path.join(tmpdir(), "nnlab-jupyter-"));
  const prefix = path.join(root, "prefix");
  const dirs = {
    runtime: path.join(root, "runtime"),
    data: path.join(root, "data"),
    config: path.join(root, "config"),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const dispose = (): void => {
    killProcessesMentioning(root);
    rmSync(root, { recursive: true, force: true });
  };

  const args = [cli, "install", "--prefix", prefix];
  if (kernelName !== "nnlab") args.push("--name", kernelName);
  const install = await runProcess(process.execPath, args, { timeoutMs: 60_000 });
  const specFile = path.join(prefix, "share", "jupyter", "kernels", kernelName, "kernel.json");
  if (install.code !== 0 || !existsSync(specFile)) {
    dispose();
    throw new Error(
      `\`nnlab ${args.slice(1).join(" ")}\` exited with ${install.code} and did not write ${specFile}:\n${install.output}`,
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    JUPYTER_RUNTIME_DIR: dirs.runtime,
    JUPYTER_DATA_DIR: dirs.data,
    JUPYTER_CONFIG_DIR: dirs.config,
  };
  return {
    root,
    prefix,
    kernelName,
    runtimeDir: dirs.runtime,
    kernelSpec: JSON.parse(readFileSync(specFile, "utf8")) as JupyterEnv["kernelSpec"],
    env,
    dispose,
  };
}
