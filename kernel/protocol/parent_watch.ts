/**
 * Ends the kernel when the process that started it dies, as ipykernel does:
 * a Jupyter server that is killed (a JupyterHub single-user server culled or
 * restarted, a crashed notebook server) cannot send shutdown_request, and a
 * kernel that outlives it holds its memory until someone kills it by hand.
 *
 * Which process: the parent at start, whose death shows as process.ppid
 * changing (we are re-parented to init or a subreaper), which no reuse of its
 * pid can hide; and `JPY_PARENT_PID` (jupyter_client sets it to the server's
 * pid) when that is not the direct parent (a wrapper script sits between):
 * that one is gone when signal 0 finds no such pid. A parent at start that is
 * init (1) or unknown (0), e.g. a kernel that is a container's main process,
 * is not watched.
 *
 * It polls once a second from the watchdog thread (watchdog.ts), so a cell
 * stuck in a synchronous loop does not keep an orphaned kernel alive; the
 * timer is unref'd and never keeps a thread alive on its own.
 */

/**
 * What to watch, decided once at start: the direct parent (`ppid`: gone when
 * process.ppid changes) and/or a process further up (`pid`: gone when it no
 * longer exists). Empty when there is nothing to watch.
 */
export interface ParentPlan {
  ppid?: number;
  pid?: number;
}

/** How often the parent is checked. */
const PARENT_POLL_MS = 1000;

/**
 * Pure: what to watch given the environment and the parent pid at start.
 * A wrapper between server and kernel is watched as well: if it dies, the
 * server believes the kernel dead and starts another, so this one must go.
 */
export function parentPlan(env: NodeJS.ProcessEnv, ppidAtStart: number): ParentPlan {
  const plan: ParentPlan = {};
  if (ppidAtStart > 1) plan.ppid = ppidAtStart;
  const given = Number(env.JPY_PARENT_PID?.trim() || Number.NaN);
  // An unusable value (not a pid, or init) is ignored: the direct parent is still watched.
  if (Number.isInteger(given) && given > 1 && given !== ppidAtStart) plan.pid = given;
  return plan;
}

/** What one poll sees; injectable for tests. */
export interface ParentProbe {
  ppid(): number;
  /** False once `pid` no longer exists (ESRCH); a process of another user (EPERM) still exists. */
  exists(pid: number): boolean;
}

const processProbe: ParentProbe = {
  ppid: () => process.ppid,
  exists(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code !== "ESRCH";
    }
  },
};

/** Pure: why the parent counts as gone on this poll, or undefined while it lives. */
export function parentGone(plan: ParentPlan, probe: ParentProbe): string | undefined {
  if (plan.ppid !== undefined) {
    const now = probe.ppid();
    if (now !== plan.ppid) return `parent process ${plan.ppid} is gone (the kernel's parent is now ${now})`;
  }
  if (plan.pid !== undefined && !probe.exists(plan.pid)) return `process ${plan.pid} (JPY_PARENT_PID) is gone`;
  return undefined;
}

export interface ParentWatch {
  readonly plan: ParentPlan;
  stop(): void;
}

/**
 * Polls every `intervalMs` and calls `onGone` once, with the reason, when
 * the parent has died. The timer is unref'd.
 */
export function watchParent(
  onGone: (reason: string) => void,
  options: { env?: NodeJS.ProcessEnv; probe?: ParentProbe; intervalMs?: number } = {},
): ParentWatch {
  const probe = options.probe ?? processProbe;
  const plan = parentPlan(options.env ?? process.env, probe.ppid());
  if (plan.ppid === undefined && plan.pid === undefined) return { plan, stop: () => undefined };
  const timer = setInterval(() => {
    const reason = parentGone(plan, probe);
    if (reason === undefined) return;
    clearInterval(timer);
    onGone(reason);
  }, options.intervalMs ?? PARENT_POLL_MS);
  timer.unref();
  return { plan, stop: () => clearInterval(timer) };
}
