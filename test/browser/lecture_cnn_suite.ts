/**
 * The browser specification both front ends must meet, on test/fixtures/viz-lecture-cnn.ipynb: a real
 * server with the nnlab kernel from a temporary prefix and token auth, the fixture notebook in a temporary
 * root, Debian's Chromium running all cells, and the page checked for what a student would look at. Window
 * screenshots and one screenshot per visualisation cell go to test-artifacts/browser/<front end>/.
 */
import { copyFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JupyterEnv, createJupyterEnv } from "../support/jupyter_env";
import { type JupyterServer, startJupyterServer } from "../support/jupyter_server";
import { REPO_ROOT } from "../support/paths";
import { type Chromium, launchChromium } from "./chromium";
import type { FrontEnd } from "./front_ends";
import { type NotebookRun, cellWith, runNotebook, screenshotCell } from "./notebook_run";

const FIXTURE = "viz-lecture-cnn.ipynb";

/** Source text that picks out each visualisation cell of the fixture, and its screenshot's name. */
const FIXTURE_CELLS = {
  "training-curves": ".fit(",
  filters: "viz.filters(",
  "feature-maps": "viz.featureMaps(",
  "confusion-matrix": "viz.confusionMatrix(",
  "hidden-states": "viz.hiddenStates(",
  history: "display(history)",
} as const;

/** Start-up, the run and the screenshots; each browser test file stays within about three minutes. */
const SUITE_TIMEOUT_MS = 170_000;
const RUN_TIMEOUT_MS = 100_000;

function artifactsOf(frontEnd: FrontEnd): string {
  return path.join(REPO_ROOT, "test-artifacts", "browser", frontEnd.name);
}

export function describeLectureCnnIn(frontEnd: FrontEnd): void {
  describe(`the lecture CNN fixture run in ${frontEnd.name} in Chromium`, () => {
    let jupyter: JupyterEnv | undefined;
    let server: JupyterServer | undefined;
    let chromium: Chromium | undefined;
    let run: NotebookRun;

    beforeAll(async () => {
      jupyter = await createJupyterEnv();
      frontEnd.prepare(jupyter);
      server = await startJupyterServer(jupyter, { app: frontEnd.app });
      copyFileSync(path.join(REPO_ROOT, "test", "fixtures", FIXTURE), path.join(server.rootDir, FIXTURE));
      chromium = await launchChromium({ width: 1280, height: 1400 });
      const page = await chromium.context.newPage();
      const artifacts = artifactsOf(frontEnd);
      try {
        run = await runNotebook(page, frontEnd, frontEnd.notebookUrl(server, FIXTURE), {
          watch: FIXTURE_CELLS["training-curves"],
          artifacts,
          timeoutMs: RUN_TIMEOUT_MS,
        });
      } catch (error) {
        await page.screenshot({ path: path.join(artifacts, "failed.png") }).catch(() => undefined);
        throw new Error(`${String(error)}\nserver log:\n${server.log().slice(-4000)}`, { cause: error });
      }
      await screenshotCells(page, frontEnd, artifacts);
    }, SUITE_TIMEOUT_MS);

    afterAll(async () => {
      await chromium?.close();
      await server?.stop();
      jupyter?.dispose();
    });

    it("runs every cell to a numbered prompt without an error output", () => {
      expect(run.cells.length).toBeGreaterThanOrEqual(Object.keys(FIXTURE_CELLS).length);
      expect(run.cells.map((c) => [c.prompt.trim(), c.errors])).toEqual(
        run.cells.map(() => [expect.stringMatching(/\[\d+\]/) as unknown, []]),
      );
    });

    it("shows the conv1 filters and the feature maps as pictures the browser decoded (naturalWidth > 0)", () => {
      for (const text of [FIXTURE_CELLS.filters, FIXTURE_CELLS["feature-maps"]]) {
        const { pictures } = cellWith(run, text);
        expect(pictures, text).toHaveLength(1);
        expect(pictures[0], text).toMatchObject({ loaded: true, naturalWidth: expect.any(Number) as unknown });
        expect(pictures[0].naturalWidth, text).toBeGreaterThan(100);
      }
    });

    it("draws every chart with plotly.js (.js-plotly-plot holding traces), offline", () => {
      for (const text of [
        FIXTURE_CELLS["training-curves"],
        FIXTURE_CELLS["confusion-matrix"],
        FIXTURE_CELLS["hidden-states"],
        FIXTURE_CELLS.history,
      ]) {
        const cell = cellWith(run, text);
        expect(cell.undrawnCharts, text).toBe(0);
        expect(cell.charts, text).toHaveLength(1);
        expect(cell.charts[0].traces, text).toBeGreaterThan(0);
      }
    });

    it("grows the live training chart and the progress bar while fit is still running", () => {
      const whileRunning = run.live.filter((s) => s.running && s.batchPoints > 0);
      const counts = [...new Set(whileRunning.map((s) => s.batchPoints))];
      expect(counts.length, JSON.stringify(run.live)).toBeGreaterThanOrEqual(2);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      const progress = new Set(
        run.live.filter((s) => s.running && /\d+\/\d+ /.test(s.progress)).map((s) => s.progress),
      );
      expect(progress.size, JSON.stringify(run.live)).toBeGreaterThanOrEqual(2);
    });

    it("ends fit with loss and accuracy curves: per batch, train and validation per epoch", () => {
      const [chart] = cellWith(run, FIXTURE_CELLS["training-curves"]).charts;
      expect(new Set(chart.traceNames)).toEqual(new Set(["train (per batch, smoothed)", "train", "validation"]));
      expect(chart.traces).toBe(6);
    });

    it("draws the confusion matrix of the test images as one heatmap", () => {
      const [chart] = cellWith(run, FIXTURE_CELLS["confusion-matrix"]).charts;
      expect(chart.traceTypes).toEqual(["heatmap"]);
      expect(chart.title).toMatch(/confusion matrix/i);
    });

    it("draws the LSTM's hidden and cell states over the sequence as two heatmaps", () => {
      const [chart] = cellWith(run, FIXTURE_CELLS["hidden-states"]).charts;
      expect(chart.traceTypes).toEqual(["heatmap", "heatmap"]);
      expect(chart.title).toContain("lstm");
    });
  });
}

async function screenshotCells(page: Page, frontEnd: FrontEnd, artifacts: string): Promise<void> {
  // Select the first code cell, so that the cells shot below do not carry the active cell's marker and toolbar.
  await page.locator(frontEnd.selectors.cell).first().locator(frontEnd.selectors.prompt).click();
  for (const [name, text] of Object.entries(FIXTURE_CELLS)) {
    await screenshotCell(page, frontEnd.selectors, text, path.join(artifacts, "cells", `${name}.png`));
  }
}
