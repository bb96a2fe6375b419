/**
 * A real JupyterHub for one test, as an instructor's machine runs it: Debian's `jupyterhub` on loopback
 * ports in a temporary directory, users that need no system account (SimpleLocalProcessSpawner, a home
 * directory each under the temporary directory), Debian's `jupyterhub-singleuser` as every student's server,
 * and the nnlab kernel installed once for all with `nnlab install --prefix`, which every server finds through
 * JUPYTER_PATH. A service token ("tester", admin scopes) drives it over the hub's REST API.
 *
 * Teardown stops the students' servers through the REST API, then the hub and its proxy (their process
 * group), then kills whatever still carries this hub's environment marker, so that nothing outlives a test.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { requireBuiltCli, requirePythonModule } from "./paths";
import { freePorts } from "./ports";
import {
  commandLine,
  parentsOfAll,
  processesMentioning,
  processesWithEnvironment,
  processTree,
  runProcess,
  type Started,
  startProcess,
} from "./processes";

const JUPYTERHUB = "/usr/bin/jupyterhub";
const SINGLEUSER = "/usr/bin/jupyterhub-singleuser";

export interface HubOptions {
  /** Spawner.cpu_limit: LocalProcessSpawner enforces nothing, but passes it to the server (and kernels) as CPU_LIMIT. */
  cpuLimit?: number;
  /** Spawner.mem_limit ("2G"): passed as MEM_LIMIT, in bytes. */
  memLimit?: string;
  /** More of the servers' environment (Spawner.environment), e.g. JUPYTERHUB_SINGLEUSER_APP. */
  environment?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface StudentServer {
  name: string;
  /** An API token of this user (not the service's): what the student's browser would hold. */
  token: string;
  /** http://127.0.0.1:PORT/user/NAME/ through the hub's proxy. */
  baseUrl: string;
  wsUrl: string;
  home: string;
  /** Seconds from the start request to the hub reporting the server ready. */
  startSeconds: number;
  /** The single-user server's process id (the spawner's state). */
  pid: number;
}

export interface Hub {
  root: string;
  /** http://127.0.0.1:PORT/, the proxy's public address. */
  url: string;
  /** The nnlab CLI the kernel spec starts; its path marks kernel processes. */
  kernelScript: string;
  /** The hub's REST API with the service token; throws on an unexpected status. */
  api<T = unknown>(method: string, route: string, body?: unknown, expect?: number[]): Promise<T>;
  /** Creates the user, gives it a token, starts its server and waits until the hub says it is ready. */
  addStudent(name: string): Promise<StudentServer>;
  /** Stops a user's server through the REST API and waits until the hub says it stopped. */
  stopServer(name: string): Promise<void>;
  /** The hub and its proxy (configurable-http-proxy), for their memory. */
  hubProcesses(): number[];
  /** nnlab kernels of this hub's users that are alive now (their command line names the kernel script and `root`). */
  kernelProcesses(): number[];
  /** nnlab kernels started by one user's server, with their descendants. */
  kernelTreeOf(server: StudentServer, parents?: Map<number, number>): number[];
  log(): string;
  /** Stops every server, the hub and the proxy, kills what is left, deletes `root`. Safe to call twice. */
  stop(): Promise<void>;
}

interface UserModel {
  servers?: Record<string, { ready: boolean; pending: string | null; state?: { pid?: number } }>;
  pending?: string | null;
}

export async function startHub(options: HubOptions = {}): Promise<Hub> {
  requirePythonModule("jupyterhub", "jupyterhub");
  const cli = requireBuiltCli();
  const root = mkdtempSync(path.join(tmpdir(), "nnlab-hub-"));
  const marker = `NNLAB_TEST_HUB=${root}`;
  const prefix = path.join(root, "prefix");
  const homes = path.join(root, "home");
  mkdirSync(homes);
  /** Set once the hub is started; teardown may run before that. */
  const running: { hub?: Started } = {};
  const students = new Set<string>();
  let stopped = false;

  const killLeftovers = (): void => {
    for (const pid of [...processesWithEnvironment(marker), ...processesMentioning(root)]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    try {
      if (running.hub && running.hub.child.exitCode === null) {
        await Promise.all([...students].map((name) => stopServer(name).catch(() => undefined)));
      }
    } finally {
      await running.hub?.stop(10_000);
      killProcessFromFile(path.join(root, "proxy.pid"));
      killLeftovers();
      rmSync(root, { recursive: true, force: true });
    }
  };

  const install = await runProcess(process.execPath, [cli, "install", "--prefix", prefix], { timeoutMs: 60_000 });
  if (install.code !== 0) {
    await stop();
    throw new Error(`\`nnlab install --prefix ${prefix}\` exited with ${install.code}:\n${install.output}`);
  }

  const [port, hubPort, proxyApiPort] = await freePorts(3);
  const serviceToken = randomBytes(24).toString("hex");
  const config = hubConfig({ root, homes, prefix, marker, port, hubPort, proxyApiPort, serviceToken, ...options });
  const configFile = path.join(root, "jupyterhub_config.py");
  writeFileSync(configFile, config);
  const url = `http://127.0.0.1:${port}/`;
  const started = startProcess(JUPYTERHUB, ["-f", configFile], {
    cwd: root,
    // configurable-http-proxy (Debian's node package) finds its modules there only.
    env: { ...process.env, NODE_PATH: "/usr/share/nodejs", [marker.split("=")[0]]: root },
  });
  running.hub = started;

  const api = async <T = unknown>(method: string, route: string, body?: unknown, expect?: number[]): Promise<T> => {
    const response = await fetch(`${url}hub/api${route}`, {
      method,
      headers: { Authorization: `token ${serviceToken}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!(expect ?? [200, 201, 202, 204]).includes(response.status)) {
      throw new Error(
        `${method} /hub/api${route} answered ${response.status}: ${text}\nhub log (tail):\n${tail(started.output())}`,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  };

  const waitFor = async (what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline)
        throw new Error(`${what} within ${timeoutMs} ms; hub log (tail):\n${tail(started.output())}`);
      if (started.child.exitCode !== null)
        throw new Error(`the hub exited while waiting: ${what}; its log:\n${started.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const stopServer = async (name: string): Promise<void> => {
    await api("DELETE", `/users/${name}/server`, undefined, [202, 204, 400]);
    await waitFor(
      `${name}'s server did not stop`,
      async () => {
        const user = await api<UserModel>("GET", `/users/${name}`);
        return !user.servers?.[""] && !user.pending;
      },
      60_000,
    );
  };

  try {
    await waitFor(
      `the hub did not answer ${url}hub/api`,
      async () => {
        try {
          return (await fetch(`${url}hub/api/`)).ok;
        } catch {
          return false;
        }
      },
      options.readyTimeoutMs ?? 60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    root,
    url,
    kernelScript: cli,
    api,
    async addStudent(name) {
      await api("POST", `/users/${name}`, undefined, [201, 409]);
      students.add(name);
      const { token } = await api<{ token: string }>("POST", `/users/${name}/tokens`, { note: "simulated student" });
      const began = performance.now();
      await api("POST", `/users/${name}/server`, undefined, [201, 202]);
      let pid = 0;
      await waitFor(
        `${name}'s server was not ready`,
        async () => {
          const server = (await api<UserModel>("GET", `/users/${name}`)).servers?.[""];
          pid = server?.state?.pid ?? 0;
          return server?.ready === true;
        },
        options.readyTimeoutMs ?? 180_000,
      );
      return {
        name,
        token,
        baseUrl: `${url}user/${name}/`,
        wsUrl: `ws://127.0.0.1:${port}/user/${name}/`,
        home: path.join(homes, name),
        startSeconds: (performance.now() - began) / 1000,
        pid,
      };
    },
    stopServer,
    hubProcesses() {
      const pid = started.child.pid;
      if (pid === undefined || started.child.exitCode !== null) return [];
      const parents = parentsOfAll();
      // The hub's own children: the proxy (in the hub's group), not the students' servers (their own sessions).
      return processTree(pid, parents).filter((p) => p === pid || commandLine(p).includes("configurable-http-proxy"));
    },
    kernelProcesses() {
      return processesMentioning(cli).filter((pid) => commandLine(pid).includes(root));
    },
    kernelTreeOf(server, parents = parentsOfAll()) {
      const kernels = [...parents].filter(([pid, parent]) => parent === server.pid && commandLine(pid).includes(cli));
      return kernels.flatMap(([pid]) => processTree(pid, parents));
    },
    log: () => started.output(),
    stop,
  };
}

interface ConfigValues extends HubOptions {
  root: string;
  homes: string;
  prefix: string;
  marker: string;
  port: number;
  hubPort: number;
  proxyApiPort: number;
  serviceToken: string;
}

/** jupyterhub_config.py: what an instructor would write, with every path and port inside this test's world. */
function hubConfig(v: ConfigValues): string {
  const py = (value: unknown): string => JSON.stringify(value);
  const [markerName, markerValue] = [
    v.marker.slice(0, v.marker.indexOf("=")),
    v.marker.slice(v.marker.indexOf("=") + 1),
  ];
  const args = process.getuid?.() === 0 ? ["--allow-root"] : [];
  return [
    `c.JupyterHub.ip = "127.0.0.1"`,
    `c.JupyterHub.port = ${v.port}`,
    `c.JupyterHub.hub_ip = "127.0.0.1"`,
    `c.JupyterHub.hub_port = ${v.hubPort}`,
    `c.ConfigurableHTTPProxy.api_url = ${py(`http://127.0.0.1:${v.proxyApiPort}`)}`,
    `c.ConfigurableHTTPProxy.pid_file = ${py(path.join(v.root, "proxy.pid"))}`,
    `c.JupyterHub.db_url = ${py(`sqlite:///${path.join(v.root, "jupyterhub.sqlite")}`)}`,
    `c.JupyterHub.cookie_secret_file = ${py(path.join(v.root, "jupyterhub_cookie_secret"))}`,
    `c.JupyterHub.authenticator_class = "dummy"`,
    `c.JupyterHub.spawner_class = "simple"`,
    `c.SimpleLocalProcessSpawner.home_dir_template = ${py(path.join(v.homes, "{username}"))}`,
    `c.Spawner.cmd = [${py(SINGLEUSER)}]`,
    `c.Spawner.args = ${py(args)}`,
    `c.Spawner.environment = ${py({ ...v.environment, JUPYTER_PATH: path.join(v.prefix, "share", "jupyter"), [markerName]: markerValue })}`,
    v.cpuLimit === undefined ? "" : `c.Spawner.cpu_limit = ${v.cpuLimit}`,
    v.memLimit === undefined ? "" : `c.Spawner.mem_limit = ${py(v.memLimit)}`,
    // Many servers starting at once on 2 cores take a while; the defaults (60 s, 30 s) are for one.
    `c.Spawner.start_timeout = 240`,
    `c.Spawner.http_timeout = 180`,
    `c.JupyterHub.services = [{"name": "tester", "api_token": ${py(v.serviceToken)}}]`,
    `c.JupyterHub.load_roles = [{"name": "tester", "services": ["tester"], ` +
      `"scopes": ["admin:users", "admin:servers", "tokens", "access:servers"]}]`,
    "",
  ].join("\n");
}

/** Kills the proxy a pid file names, should the hub have died without stopping it. */
function killProcessFromFile(file: string): void {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    // A stale file may name a process id that something else has now.
    if (Number.isInteger(pid) && pid > 0 && commandLine(pid).includes("configurable-http-proxy"))
      process.kill(pid, "SIGKILL");
  } catch {
    // no file, or the process is gone
  }
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}
