/**
 * Which backend runs the ops. Backends register a factory with a priority;
 * the first use of a tensor picks the highest-priority backend whose factory
 * succeeds, unless `NNLAB_BACKEND` or `nn.setBackend(name)` forces one.
 *
 * A priority can depend on the machine: an entry's optional `rank()` is asked
 * at selection time (the first tensor op, or setBackend("auto")), never at
 * import, and replaces the static `priority` for that choice. The built-in
 * order: wasm 30 (SIMD kernels on worker threads); gpujs 40 when gpu.js finds
 * graphics hardware (runtime/backend/gpujs/device.ts: a GL mode whose renderer
 * is not Mesa's software llvmpipe, not on Xvfb), else 20; reference 0.
 *
 * Factories are lazy so that importing the runtime stays cheap: a backend
 * module registers itself at import time but must load heavy dependencies
 * (gpu.js, WebAssembly modules) only inside `create()`. For example
 * runtime/backend/gpujs/register.ts:
 *
 *   registerBackend({ name: "gpujs", priority: 20, create: () => new GpuJsBackend() });
 *
 * and GpuJsBackend's constructor does `require("gpu.js")`.
 */
import type { Backend, BackendInfo } from "./backend";
import { ReferenceBackend } from "./reference";

export interface BackendEntry {
  name: string;
  /** Higher runs first when nothing is forced. The reference backend has priority 0. */
  priority: number;
  /**
   * The priority on this machine, when it depends on a probe (is there a GPU?).
   * Called once, at the first automatic selection; must be cheap when the answer is obvious.
   */
  rank?(): number;
  /** Builds the backend; throws when it cannot run on this machine (the reason is kept for the error message). */
  create(): Backend;
}

const entries = new Map<string, BackendEntry>();
const instances = new Map<string, Backend>();
const failures = new Map<string, string>();
let active: Backend | null = null;

/** Adds (or replaces) a backend factory. */
export function registerBackend(entry: BackendEntry): void {
  entries.set(entry.name, entry);
}

/** Registered backend names, highest static priority first (no probe runs; selection may reorder by `rank`). */
export function listBackends(): string[] {
  return [...entries.values()].sort((a, b) => b.priority - a.priority).map((e) => e.name);
}

/** Registered backend names in the order automatic selection tries them: by `rank()` where given, else `priority`. */
export function selectionOrder(): string[] {
  const ranked = [...entries.values()].map((e) => ({ name: e.name, rank: rankOf(e) }));
  return ranked.sort((a, b) => b.rank - a.rank).map((e) => e.name);
}

/** The backend that runs ops now, chosen on first use. */
export function currentBackend(): Backend {
  if (active) return active;
  const forced = process.env.NNLAB_BACKEND;
  active = forced && forced !== "auto" ? instantiate(forced, "NNLAB_BACKEND") : pickFastest();
  return active;
}

/**
 * Forces backend `name` for tensors created from now on ("auto": the
 * highest-priority backend that runs here, as at startup). Tensors made on
 * another backend keep their data there and are moved on first use with an
 * op of the new backend.
 */
export function setBackend(name: string): BackendInfo {
  active = name === "auto" ? pickFastest() : instantiate(name, "nn.setBackend");
  return active.info();
}

/** A backend instance by name, created on first request (the conformance tests use this). */
export function getBackend(name: string): Backend {
  return instantiate(name, "getBackend");
}

function instantiate(name: string, who: string): Backend {
  const cached = instances.get(name);
  if (cached) return cached;
  const entry = entries.get(name);
  if (!entry) {
    throw new Error(`${who}: unknown backend "${name}"; registered backends are ${listBackends().join(", ")}`);
  }
  try {
    const backend = entry.create();
    instances.set(name, backend);
    return backend;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // The reason is in the message already; a cause would print it twice in a notebook's traceback.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${who}: backend "${name}" cannot run here: ${reason}`);
  }
}

function pickFastest(): Backend {
  failures.clear();
  for (const name of selectionOrder()) {
    try {
      return instantiate(name, "backend selection");
    } catch (err) {
      failures.set(name, err instanceof Error ? err.message : String(err));
    }
  }
  const why = [...failures.entries()].map(([n, r]) => `${n}: ${r}`).join("; ");
  throw new Error(`no backend can run here (${why})`);
}

const ranks = new Map<BackendEntry, number>();

/** An entry's rank, probed once; a probe that throws leaves the static priority. */
function rankOf(entry: BackendEntry): number {
  if (!entry.rank) return entry.priority;
  let rank = ranks.get(entry);
  if (rank === undefined) {
    try {
      rank = entry.rank();
    } catch {
      rank = entry.priority;
    }
    ranks.set(entry, rank);
  }
  return rank;
}

/** Why backends skipped during automatic selection could not run (name -> reason). */
export function selectionFailures(): ReadonlyMap<string, string> {
  return failures;
}

registerBackend({ name: "reference", priority: 0, create: () => new ReferenceBackend() });
