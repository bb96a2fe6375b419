import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "./client";

function nnlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the nnlab command", () => {
  const prefix = mkdtempSync(path.join(os.tmpdir(), "nnlab-cli-test-"));
  afterAll(() => rmSync(prefix, { recursive: true, force: true }));
  const specDir = (name: string) => path.join(prefix, "share", "jupyter", "kernels", name);

  it("prints the package version", () => {
    const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string })
      .version;
    expect(nnlab("--version")).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  it("prints usage for --help", () => {
    const { status, stdout } = nnlab("--help");
    expect(status).toBe(0);
    expect(stdout).toContain("nnlab install");
    expect(stdout).toContain("nnlab kernel --connection-file");
  });

  it("installs a kernel spec that starts this node on this CLI with signal interrupts, and the logos", () => {
    const { status, stdout } = nnlab("install", "--prefix", prefix);
    expect(status).toBe(0);
    expect(stdout).toContain(specDir("nnlab"));
    const spec = JSON.parse(readFileSync(path.join(specDir("nnlab"), "kernel.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(spec).toMatchObject({
      argv: [process.execPath, CLI, "kernel", "--connection-file", "{connection_file}"],
      display_name: "TypeScript (nnlab)",
      language: "typescript",
      interrupt_mode: "signal",
    });
    for (const logo of ["logo-32x32.png", "logo-64x64.png"]) {
      expect(
        readFileSync(path.join(specDir("nnlab"), logo))
          .subarray(1, 4)
          .toString(),
      ).toBe("PNG");
    }
  });

  it("installs where Jupyter finds it (jupyter kernelspec list)", () => {
    const listed = spawnSync("/usr/bin/python3", ["-m", "jupyter_client.kernelspecapp", "list", "--json"], {
      encoding: "utf8",
      env: { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter") },
    });
    if (listed.status !== 0)
      throw new Error(`jupyter kernelspec list failed (apt-get install python3-jupyter-client?): ${listed.stderr}`);
    const specs = (JSON.parse(listed.stdout) as { kernelspecs: Record<string, { resource_dir: string }> }).kernelspecs;
    expect(specs.nnlab?.resource_dir).toBe(specDir("nnlab"));
  });

  it("installs under the active virtual environment for --sys-prefix", () => {
    const venv = path.join(prefix, "venv");
    const result = spawnSync(process.execPath, [CLI, "install", "--sys-prefix"], {
      encoding: "utf8",
      env: { ...process.env, VIRTUAL_ENV: venv },
    });
    expect(result.status).toBe(0);
    expect(existsSync(path.join(venv, "share", "jupyter", "kernels", "nnlab", "kernel.json"))).toBe(true);
  });

  it("takes a name and a display name", () => {
    expect(nnlab("install", `--prefix=${prefix}`, "--name", "nnlab-dev", "--display-name", "nnlab (dev)").status).toBe(
      0,
    );
    const spec = JSON.parse(readFileSync(path.join(specDir("nnlab-dev"), "kernel.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(spec.display_name).toBe("nnlab (dev)");
  });

  it("uninstalls a spec, and fails with a clear message for one that is not there", () => {
    expect(nnlab("uninstall", "--prefix", prefix, "--name", "nnlab-dev").status).toBe(0);
    expect(existsSync(specDir("nnlab-dev"))).toBe(false);
    const again = nnlab("uninstall", "--prefix", prefix, "--name", "nnlab-dev");
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("no kernel spec named");
  });

  it.each([
    [[]],
    [["frobnicate"]],
    [["install", "--user", "--prefix", "/tmp/x"]],
    [["install", "--name"]],
    [["install", "--bogus"]],
    [["kernel"]],
  ])("exits with code 2 and says what is wrong for bad usage: %j", (args) => {
    const { status, stderr } = nnlab(...args);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^nnlab: .+\nRun `nnlab --help` for usage\.\n$/);
  });

  it("fails with the file's name when the connection file cannot be read", () => {
    const { status, stderr } = nnlab("kernel", "--connection-file", path.join(prefix, "missing.json"));
    expect(status).toBe(1);
    expect(stderr).toContain("missing.json");
  });
});
