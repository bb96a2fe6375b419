/**
 * The Python environment behind the bench's same-run competitors (PyTorch CPU,
 * Keras 3 on TensorFlow CPU): a virtual environment at NNLAB_BENCH_VENV, by
 * default ~/.cache/nnlab-bench/venv, made on first use and filled from the pip
 * mirror that pip's configuration names (global.index-url and
 * global.extra-index-url) or PIP_INDEX_URL. Without a mirror, or when the
 * install fails, the bench says why and skips those rows. Not used in CI.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

const PACKAGES = ["torch", "tensorflow-cpu", "keras"];
const IMPORT_CHECK =
  "import torch, tensorflow, keras; print(torch.__version__, tensorflow.__version__, keras.__version__)";

export type PythonEnv = { python: string; versions: string } | { skip: string };

let cached: PythonEnv | undefined;

/** The venv's python with torch, tensorflow and keras importable, installing them on first use. */
export function benchPython(): PythonEnv {
  cached ??= findOrInstall();
  return cached;
}

function findOrInstall(): PythonEnv {
  const venv = process.env.NNLAB_BENCH_VENV || join(homedir(), ".cache", "nnlab-bench", "venv");
  const python = join(venv, "bin", "python");
  const ready = versions(python);
  if (ready) return { python, versions: ready };
  const mirror = mirrorArgs();
  if (mirror.length === 0) {
    return { skip: "no pip mirror configured (pip config global.index-url / extra-index-url, or PIP_INDEX_URL)" };
  }
  process.stderr.write(`python competitors: installing ${PACKAGES.join(", ")} into ${venv} from ${mirror.join(" ")}\n`);
  if (!existsSync(python)) {
    mkdirSync(dirname(venv), { recursive: true });
    const made = spawnSync(process.env.NNLAB_BENCH_PYTHON || "python3", ["-m", "venv", venv], { encoding: "utf8" });
    if (made.status !== 0) return { skip: `could not make a venv at ${venv}: ${lastLine(made.stderr, made.error)}` };
  }
  const pip = spawnSync(python, ["-m", "pip", "install", "--quiet", ...mirror, ...PACKAGES], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 30 * 60 * 1000,
  });
  if (pip.status !== 0) return { skip: `pip install ${PACKAGES.join(" ")} failed: ${lastLine(pip.stderr, pip.error)}` };
  const installed = versions(python);
  return installed ? { python, versions: installed } : { skip: `${PACKAGES.join(", ")} installed but do not import` };
}

/** "torch tf keras" versions when all three import, else undefined. */
function versions(python: string): string | undefined {
  if (!existsSync(python)) return undefined;
  const run = spawnSync(python, ["-c", IMPORT_CHECK], {
    encoding: "utf8",
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "3" },
  });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** pip arguments naming the mirror: --index-url first, the rest as --extra-index-url. */
function mirrorArgs(): string[] {
  const urls = (process.env.PIP_INDEX_URL ?? "").split(/\s+/).filter(Boolean);
  for (const key of ["global.index-url", "global.extra-index-url"]) {
    const got = spawnSync("pip", ["config", "get", key], { encoding: "utf8" });
    if (got.status === 0) urls.push(...got.stdout.split(/\s+/).filter(Boolean));
  }
  return [...new Set(urls)].flatMap((url, i) => [i === 0 ? "--index-url" : "--extra-index-url", url]);
}

function lastLine(text: string | null, error?: Error): string {
  const lines = (text ?? "").trim().split("\n");
  return lines[lines.length - 1] || (error?.message ?? "no output");
}
