/**
 * Debian's Chromium driven by playwright-core, as the browser tests use it: headless, no sandbox (tests run
 * as root in containers), no GPU, nothing that phones home, and a fresh profile per run so that no cached
 * page or stored JupyterLab state leaks between runs.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { killProcessesMentioning } from "../support/processes";

const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Chromium {
  context: BrowserContext;
  /** Closes the browser, kills any of its processes still running and deletes its profile. */
  close(): Promise<void>;
}

/** Starts Chromium with a fresh `--user-data-dir` (playwright passes the directory it is given). */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium) for the browser tests.`,
    );
  }
  const profile = mkdtempSync(path.join(tmpdir(), "nnlab-chromium-"));
  const cleanUp = (): void => {
    // The profile path is on every Chromium process's command line: it finds helpers the browser left behind.
    killProcessesMentioning(profile);
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport,
      timeout: 60_000,
    });
    return {
      context,
      close: async () => {
        await context.close().catch(() => undefined);
        cleanUp();
      },
    };
  } catch (error) {
    cleanUp();
    throw error;
  }
}
