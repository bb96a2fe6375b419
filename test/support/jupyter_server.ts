/**
 * A real Jupyter server on a free loopback port with a random token, started for one test file and stopped
 * with its whole process group: Debian's bare `jupyter server` (1.x), JupyterLab from the project's
 * virtual environment (jupyter_server 2.x) where a test needs the JupyterLab page itself, or Debian's classic
 * notebook (Notebook 6.x, its own server, configured through NotebookApp).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { JupyterEnv } from "./jupyter_env";
import { requireJupyterLab } from "./jupyterlab";
import { SYSTEM_PYTHON, requirePythonModule } from "./paths";
import { freePort } from "./ports";
import { type Started, startProcess } from "./processes";

export interface JupyterServer {
  baseUrl: string;
  wsUrl: string;
  token: string;
  /** The directory the server serves (and starts kernels in). */
  rootDir: string;
  /** A page of the server with the token in its query, e.g. `pageUrl("lab")`. */
  pageUrl(page: string): string;
  /** The server's log so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface JupyterServerOptions {
  /** "server": Debian's jupyter_server (the default); "lab": JupyterLab from .venv; "notebook": Debian's classic notebook. */
  app?: "server" | "lab" | "notebook";
  readyTimeoutMs?: number;
}

export async function startJupyterServer(
  jupyter: JupyterEnv,
  { app = "server", readyTimeoutMs = 60_000 }: JupyterServerOptions = {},
): Promise<JupyterServer> {
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const rootDir = path.join(jupyter.root, `${app}-root`);
  mkdirSync(rootDir, { recursive: true });
  const options = ["--no-browser", "--allow-root", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0"];
  let command: string;
  let args: string[];
  if (app === "lab") {
    command = requireJupyterLab();
    args = ["lab", ...options, `--ServerApp.root_dir=${rootDir}`, `--IdentityProvider.token=${token}`];
  } else if (app === "notebook") {
    requirePythonModule("notebook", "jupyter-notebook");
    command = SYSTEM_PYTHON;
    args = ["-m", "notebook", ...options, `--NotebookApp.notebook_dir=${rootDir}`, `--NotebookApp.token=${token}`];
  } else {
    requirePythonModule("jupyter_server", "jupyter-server");
    command = SYSTEM_PYTHON;
    args = ["-m", "jupyter_server", ...options, `--ServerApp.root_dir=${rootDir}`, `--ServerApp.token=${token}`];
  }
  const server = startProcess(command, args, { cwd: rootDir, env: jupyter.env });
  const baseUrl = `http://127.0.0.1:${port}/`;
  await waitUntilReady(server, `${baseUrl}api/status?token=${token}`, readyTimeoutMs);
  return {
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/`,
    token,
    rootDir,
    pageUrl: (page) => `${baseUrl}${page}?token=${token}`,
    log: () => server.output(),
    stop: () => server.stop(),
  };
}

async function waitUntilReady(server: Started, statusUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void server.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(statusUrl);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await server.stop();
  throw new Error(
    `${server.child.spawnfile} did not answer ${statusUrl.replace(/token=\w+/, "token=…")} ` +
      `${exited ? "(it exited)" : `within ${timeoutMs} ms`}; its log:\n${server.output()}`,
  );
}
