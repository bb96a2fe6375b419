#!/usr/bin/env node
/**
 * The `nnlab` command: install and uninstall the kernel spec, run the kernel
 * (what Jupyter starts), print the version. Bad usage exits with code 2.
 */
import {
  DEFAULT_DISPLAY_NAME,
  DEFAULT_NAME,
  type InstallScope,
  installKernelSpec,
  uninstallKernelSpec,
} from "./install";
import { VERSION } from "./info";
import type * as Main from "./main";

const USAGE = `Usage:
  nnlab install   [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]
  nnlab uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
  nnlab kernel --connection-file FILE
  nnlab --version
  nnlab --help

install writes the Jupyter kernel spec (default --user: ~/.local/share/jupyter/kernels/${DEFAULT_NAME});
kernel is what Jupyter runs, with the connection file it wrote.`;

class UsageError extends Error {}

/** What `main` resolves with for `kernel`: the process lives on, and exits when the kernel shuts down. */
const RUNNING = -1;

/** Runs the command line; resolves with the exit code (`RUNNING` for a kernel that runs on). */
export async function main(args: readonly string[]): Promise<number> {
  try {
    return await run(args);
  } catch (error) {
    process.stderr.write(`nnlab: ${(error as Error).message}\n`);
    if (error instanceof UsageError) {
      process.stderr.write("Run `nnlab --help` for usage.\n");
      return 2;
    }
    return 1;
  }
}

async function run(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "--version":
    case "-V":
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case "install": {
      const options = parseFlags(rest, ["--user", "--sys-prefix", "--prefix", "--name", "--display-name"]);
      const dir = installKernelSpec({
        scope: scopeOf(options),
        name: options.get("--name") ?? DEFAULT_NAME,
        displayName: options.get("--display-name") ?? DEFAULT_DISPLAY_NAME,
      });
      process.stdout.write(`Installed the nnlab kernel spec in ${dir}\n`);
      return 0;
    }
    case "uninstall": {
      const options = parseFlags(rest, ["--user", "--sys-prefix", "--prefix", "--name"]);
      const dir = uninstallKernelSpec({ scope: scopeOf(options), name: options.get("--name") ?? DEFAULT_NAME });
      process.stdout.write(`Removed the nnlab kernel spec ${dir}\n`);
      return 0;
    }
    case "kernel": {
      const options = parseFlags(rest, ["--connection-file", "-f"]);
      const file = options.get("--connection-file") ?? options.get("-f");
      if (!file) throw new UsageError("kernel needs --connection-file FILE (Jupyter passes it)");
      // Loaded on demand, so that install and --version never load ZeroMQ.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy synchronous load; import() would go through Node's ESM loader
      const { runKernel } = require("./main") as typeof Main;
      await runKernel(file);
      return RUNNING;
    }
    case undefined:
      throw new UsageError("no command given");
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

const SWITCHES = new Set(["--user", "--sys-prefix"]);

/** `--flag value`, `--flag=value` and the switches; anything else is a usage error. */
function parseFlags(args: readonly string[], allowed: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes("=") ? splitOnce(args[i]) : [args[i], undefined];
    if (!allowed.includes(flag)) throw new UsageError(`unknown option "${args[i]}"`);
    if (SWITCHES.has(flag)) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      flags.set(flag, "");
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === "") throw new UsageError(`${flag} needs a value`);
    flags.set(flag, value);
  }
  return flags;
}

function scopeOf(flags: Map<string, string>): InstallScope {
  const chosen = ["--user", "--sys-prefix", "--prefix"].filter((flag) => flags.has(flag));
  if (chosen.length > 1) throw new UsageError(`choose one of ${chosen.join(", ")}`);
  const prefix = flags.get("--prefix");
  if (prefix !== undefined) return { kind: "prefix", dir: prefix };
  return flags.has("--sys-prefix") ? { kind: "sys-prefix" } : { kind: "user" };
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf("=");
  return [arg.slice(0, at), arg.slice(at + 1)];
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    if (code !== RUNNING) process.exit(code);
  });
}
