/**
 * Where the things the Jupyter tests need live, and a loud failure when one is missing:
 * a test that cannot run here must say why instead of skipping.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** The checkout's root, found from here whether this file runs as TypeScript or compiled into dist/. */
export const REPO_ROOT = findRepoRoot(__dirname);

/** Jupyter comes from Debian; the first `python3` on PATH may be another one without it. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

const NNLAB_CLI = path.join(REPO_ROOT, "dist", "kernel", "cli.js");

/** Throws with the command that fixes it when the compiled CLI is absent. */
export function requireBuiltCli(): string {
  if (!existsSync(NNLAB_CLI)) {
    throw new Error(`${NNLAB_CLI} is missing: run \`npm run build\` (or \`npm test\`, which builds first).`);
  }
  return NNLAB_CLI;
}

/** Throws naming the Debian package when a Python module of the Jupyter stack cannot be imported. */
export function requirePythonModule(module: string, debianPackage: string): void {
  const { status } = spawnSync(SYSTEM_PYTHON, ["-c", `import ${module}`], { stdio: "ignore" });
  if (status !== 0) {
    throw new Error(
      `${SYSTEM_PYTHON} cannot import ${module}: install it with \`apt-get install -y ${debianPackage}\` ` +
        "(or run kernel/scripts/setup.sh as root).",
    );
  }
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}
