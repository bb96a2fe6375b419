/**
 * An X display for headless-gl (gpu.js's "headlessgl" mode), which renders
 * through Mesa's GLX. Where DISPLAY is unset, an Xvfb server is started on a
 * free display number for the test file and stopped afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";

let server: ChildProcess | null = null;

/** Sets DISPLAY to a working X server, starting Xvfb if there is none; throws with what to install otherwise. */
export async function ensureDisplay(): Promise<void> {
  if (process.env.DISPLAY) return;
  const xvfb = spawn("Xvfb", ["-displayfd", "1", "-screen", "0", "64x64x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  server = xvfb;
  const display = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    xvfb.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    xvfb.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    xvfb.on("error", (error) =>
      reject(
        new Error(
          `headlessgl tests need an X server: Xvfb did not start (${error.message}); install Debian's xvfb package`,
        ),
      ),
    );
    xvfb.on("exit", (code) =>
      reject(new Error(`Xvfb exited with code ${code} before reporting a display: ${err.trim()}`)),
    );
  });
  process.env.DISPLAY = `:${display}`;
}

/** Stops the Xvfb server that ensureDisplay started, if any. */
export function stopDisplay(): void {
  if (server && server.exitCode === null) server.kill();
  server = null;
}
