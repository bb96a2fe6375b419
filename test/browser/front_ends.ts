/// <reference lib="dom" />
/**
 * The two notebook front ends the browser tests drive, described by what differs between them: which server
 * serves them, the page that opens a notebook, how a user runs all cells, when the kernel is ready, and the
 * CSS selectors of cells, prompts, sources and outputs. What is checked in the page is the same for both
 * (notebook_run.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import type { JupyterEnv } from "../support/jupyter_env";
import type { JupyterServer } from "../support/jupyter_server";

export interface CellSelectors {
  /** A code cell. */
  readonly cell: string;
  /** Its execution prompt: "[3]:" once run, "[*]:" while queued or running. */
  readonly prompt: string;
  /** Its source text. */
  readonly source: string;
  /** One output of the cell. */
  readonly output: string;
  /** An error output (a traceback). */
  readonly error: string;
}

export interface FrontEnd {
  /** Names the artefact folder: test-artifacts/browser/<name>/. */
  readonly name: string;
  readonly app: "lab" | "notebook";
  readonly selectors: CellSelectors;
  /** Configures the front end inside the test's private Jupyter world, before its server starts. */
  prepare(jupyter: JupyterEnv): void;
  /** The page that opens `notebook`, a file in the server's root directory. */
  notebookUrl(server: JupyterServer, notebook: string): string;
  /** Resolves once the notebook is shown and its kernel has started and is idle. */
  waitUntilReady(page: Page): Promise<void>;
  /** Runs every cell as a user does, through the menu. */
  runAll(page: Page): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

export const jupyterLab: FrontEnd = {
  name: "jupyterlab",
  app: "lab",
  selectors: {
    cell: ".jp-Notebook .jp-CodeCell",
    prompt: ".jp-InputArea-prompt",
    source: ".jp-InputArea-editor",
    output: ".jp-OutputArea-output",
    error: '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
  },
  prepare(jupyter) {
    // Every cell stays in the page (no windowing), so off-screen outputs render and can be checked; no news
    // or update pop-up covers the outputs in screenshots (and none reaches for the network).
    writeLabSettings(jupyter, "notebook-extension", "tracker", { windowingMode: "none" });
    writeLabSettings(jupyter, "apputils-extension", "notification", { fetchNews: "false", checkForUpdates: false });
  },
  notebookUrl: (server, notebook) => server.pageUrl(`lab/tree/${notebook}`),
  async waitUntilReady(page) {
    await page.locator(".jp-Notebook .jp-CodeCell").first().waitFor({ timeout: READY_TIMEOUT_MS });
    // The status bar reads "TypeScript (nnlab) | Idle" once the kernel answered.
    await page.waitForFunction(
      () => /\(nnlab\)\s*\|\s*Idle/.test(document.querySelector("#jp-main-statusbar")?.textContent ?? ""),
      undefined,
      {
        timeout: READY_TIMEOUT_MS,
      },
    );
    // Wider outputs for the screenshots: the file browser is not needed.
    await page.keyboard.press("Control+b");
  },
  async runAll(page) {
    await page.getByRole("menuitem", { name: "Run", exact: true }).click();
    await page.getByRole("menuitem", { name: "Run All Cells", exact: true }).click();
  },
};

export const classicNotebook: FrontEnd = {
  name: "classic-notebook",
  app: "notebook",
  selectors: {
    cell: "#notebook-container .cell.code_cell",
    prompt: ".input_prompt",
    source: ".input_area",
    output: ".output_subarea",
    error: ".output_subarea.output_error",
  },
  prepare() {},
  notebookUrl: (server, notebook) => server.pageUrl(`notebooks/${notebook}`),
  async waitUntilReady(page) {
    await page.locator("#notebook-container .cell.code_cell").first().waitFor({ timeout: READY_TIMEOUT_MS });
    await page
      .locator("#kernel_indicator_icon.kernel_idle_icon")
      .waitFor({ state: "attached", timeout: READY_TIMEOUT_MS });
  },
  async runAll(page) {
    await page.locator("#celllink").click();
    await page.locator("#run_all_cells").click();
  },
};

/** A JupyterLab user setting, in the user-settings folder under the test's JUPYTER_CONFIG_DIR. */
function writeLabSettings(jupyter: JupyterEnv, extension: string, plugin: string, settings: object): void {
  const configDir = jupyter.env.JUPYTER_CONFIG_DIR;
  if (!configDir) throw new Error("the Jupyter test environment has no JUPYTER_CONFIG_DIR to hold JupyterLab settings");
  const dir = path.join(configDir, "lab", "user-settings", "@jupyterlab", extension);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${plugin}.jupyterlab-settings`), JSON.stringify(settings));
}
