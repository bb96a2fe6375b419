/**
 * Kernel specs: `nnlab install` writes kernel.json and the logos into a
 * Jupyter kernels directory, `nnlab uninstall` removes them. The spec starts
 * this very Node binary on this very CLI, by absolute paths, so it keeps
 * working whatever PATH the Jupyter server has.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PACKAGE_ROOT, VERSION } from "./info";

export type InstallScope = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string };

export interface KernelSpecOptions {
  scope: InstallScope;
  /** Directory name of the spec, the kernel name Jupyter shows in `jupyter kernelspec list`. */
  name: string;
  displayName: string;
}

export const DEFAULT_NAME = "nnlab";
export const DEFAULT_DISPLAY_NAME = "TypeScript (nnlab)";

const LOGOS = ["logo-32x32.png", "logo-64x64.png"];

/** Writes the spec; returns its directory. */
export function installKernelSpec(options: KernelSpecOptions): string {
  checkName(options.name);
  const dir = path.join(kernelsDirectory(options.scope), options.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelSpec(options.displayName), null, 2) + "\n");
  for (const logo of LOGOS) copyFileSync(path.join(PACKAGE_ROOT, "kernel", "assets", logo), path.join(dir, logo));
  return dir;
}

/** Removes the spec; returns its directory. Throws when there is none. */
export function uninstallKernelSpec(options: Omit<KernelSpecOptions, "displayName">): string {
  checkName(options.name);
  const dir = path.join(kernelsDirectory(options.scope), options.name);
  if (!existsSync(path.join(dir, "kernel.json"))) throw new Error(`no kernel spec named "${options.name}" in ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}

function kernelSpec(displayName: string): object {
  return {
    argv: [process.execPath, path.join(__dirname, "cli.js"), "kernel", "--connection-file", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    interrupt_mode: "signal",
    env: {},
    metadata: { debugger: false, nnlab: { version: VERSION, node: process.version } },
  };
}

/** Where Jupyter looks for kernel specs of this scope (jupyter_core's rules). */
function kernelsDirectory(scope: InstallScope): string {
  switch (scope.kind) {
    case "prefix":
      return path.join(path.resolve(scope.dir), "share", "jupyter", "kernels");
    case "sys-prefix":
      return path.join(pythonPrefix(), "share", "jupyter", "kernels");
    case "user":
      return path.join(userDataDirectory(), "kernels");
  }
}

function userDataDirectory(): string {
  if (process.env.JUPYTER_DATA_DIR) return path.resolve(process.env.JUPYTER_DATA_DIR);
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32")
    return path.join(process.env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(process.env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

/** sys.prefix of the Python that runs Jupyter: an active virtual env, else Debian's /usr/bin/python3. */
function pythonPrefix(): string {
  if (process.env.VIRTUAL_ENV) return process.env.VIRTUAL_ENV;
  const python = spawnSync("/usr/bin/python3", ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
  const prefix = python.status === 0 ? python.stdout.trim() : "";
  return prefix || "/usr/local";
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new Error(`the kernel name "${name}" may hold only letters, digits, ".", "_" and "-"`);
  }
}
