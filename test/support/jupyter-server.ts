/**
 * A real `jupyter server` (Debian's jupyter_server) on a free loopback port with a random token, started
 * for one test file and stopped with its whole process group.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { JupyterEnv } from "./jupyter-env";
import { SYSTEM_PYTHON, requirePythonModule } from "./paths";
import { freePort } from "./ports";
import { type Started, startProcess } from "./processes";

export interface JupyterServer {
  baseUrl: string;
  wsUrl: string;
  token: string;
  /** The directory the server serves (and starts kernels in). */
  rootDir: string;
  /** The server's log so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export async function startJupyterServer(jupyter: JupyterEnv, readyTimeoutMs = 60_000): Promise<JupyterServer> {
  requirePythonModule("jupyter_server", "jupyter-server");
  const port = await freePort();
  const token = randomBytes(24).toString("hex");
  const rootDir = path.join(jupyter.root, "server-root");
  mkdirSync(rootDir, { recursive: true });
  const server = startProcess(
    SYSTEM_PYTHON,
    [
      "-m",
      "jupyter_server",
      "--no-browser",
      "--allow-root",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--port-retries=0",
      `--ServerApp.token=${token}`,
      `--ServerApp.root_dir=${rootDir}`,
    ],
    { cwd: rootDir, env: jupyter.env },
  );
  const baseUrl = `http://127.0.0.1:${port}/`;
  await waitUntilReady(server, `${baseUrl}api/status?token=${token}`, readyTimeoutMs);
  return {
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}/`,
    token,
    rootDir,
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
    `jupyter server did not answer ${statusUrl.replace(/token=\w+/, "token=…")} ` +
      `${exited ? "(it exited)" : `within ${timeoutMs} ms`}; its log:\n${server.output()}`,
  );
}
