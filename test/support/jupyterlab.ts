/**
 * JupyterLab comes from the project's virtual environment: kernel/scripts/setup.sh installs it there from
 * the pip mirror (Debian has no JupyterLab package).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, SYSTEM_PYTHON } from "./paths";

const VENV_JUPYTER = path.join(REPO_ROOT, ".venv", "bin", "jupyter");
const VENV_JUPYTER_LAB = path.join(REPO_ROOT, ".venv", "bin", "jupyter-lab");

export function jupyterLabInstalled(): boolean {
  return existsSync(VENV_JUPYTER_LAB);
}

/** The venv's `jupyter` command; throws with the way to get JupyterLab when the venv lacks it. */
export function requireJupyterLab(): string {
  if (!jupyterLabInstalled()) {
    throw new Error(
      `${VENV_JUPYTER_LAB} is missing: run \`bash kernel/scripts/setup.sh\`, which installs JupyterLab into .venv ` +
        "from the wheel mirror named by `pip config get global.extra-index-url` (it says why when it cannot).",
    );
  }
  return VENV_JUPYTER;
}

/**
 * The wheel mirrors pip's config names (`global.extra-index-url`, what setup.sh installs JupyterLab from);
 * empty where none is configured, which is the one reason JupyterLab may legitimately be missing.
 */
export function pipMirrors(): string[] {
  const venvPip = path.join(REPO_ROOT, ".venv", "bin", "pip");
  const [command, ...args] = existsSync(venvPip) ? [venvPip] : [SYSTEM_PYTHON, "-m", "pip"];
  const result = spawnSync(command, [...args, "config", "get", "global.extra-index-url"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.split(/\s+/).filter(Boolean) : [];
}
