/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Runs a notebook in a real front end as a user does (open it, wait for the kernel, Run All) and reads back
 * what the page shows: per code cell its prompt, its pictures (loaded or not) and its plotly charts (drawn,
 * with which traces), plus samples of one cell's live output taken while that cell was still running.
 */
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import type { CellSelectors, FrontEnd } from "./front_ends";

interface PictureState {
  /** `img.complete && img.naturalWidth > 0`: the browser decoded it. */
  readonly loaded: boolean;
  readonly naturalWidth: number;
}

interface ChartState {
  /** The div became a plotly plot (`.js-plotly-plot`) and holds `data.length` traces. */
  readonly traces: number;
  readonly traceNames: string[];
  readonly traceTypes: string[];
  readonly title: string;
}

export interface CellState {
  /** The cell's source as the page shows it. */
  readonly source: string;
  readonly prompt: string;
  readonly pictures: PictureState[];
  readonly charts: ChartState[];
  /** Plotly divs the chart script has not drawn (yet). */
  readonly undrawnCharts: number;
  readonly errors: string[];
}

/** The watched cell as seen at one moment of the run (recorded whenever it changed). */
interface LiveSample {
  /** Its prompt said "[*]": queued or running. */
  readonly running: boolean;
  /** Points of the per-batch curves in its chart (0 when no chart is drawn yet). */
  readonly batchPoints: number;
  /** The text of its first output: the progress bar. */
  readonly progress: string;
}

export interface NotebookRun {
  readonly cells: CellState[];
  readonly live: LiveSample[];
}

export interface RunOptions {
  /** Text in the source of the cell whose live output is sampled during the run. */
  readonly watch: string;
  /**
   * Where screenshots go: the whole window when opened, during the watched cell and after the run, and the
   * watched cell itself as it last looked while running (watched-cell-running.png).
   */
  readonly artifacts: string;
  readonly timeoutMs: number;
}

/** Opens the page at `url`, runs all cells and returns what the page showed during and after the run. */
export async function runNotebook(
  page: Page,
  frontEnd: FrontEnd,
  url: string,
  options: RunOptions,
): Promise<NotebookRun> {
  rmSync(options.artifacts, { recursive: true, force: true }); // no stale screenshot from an earlier run
  mkdirSync(options.artifacts, { recursive: true });
  const { selectors } = frontEnd;
  await page.goto(url);
  await frontEnd.waitUntilReady(page);
  await page.screenshot({ path: path.join(options.artifacts, "opened.png") });
  // Sampling inside the page sees every update of the watched cell, however fast the kernel sends them.
  await page.evaluate(recordWatchedCell, { selectors, watch: options.watch });
  await frontEnd.runAll(page);

  const deadline = Date.now() + options.timeoutMs;
  let lastCellShot = 0;
  for (;;) {
    const { prompts, errors, latest } = await page.evaluate(pageState, selectors);
    if (latest?.running && latest.batchPoints > 0) {
      if (lastCellShot === 0) await page.screenshot({ path: path.join(options.artifacts, "during-run.png") });
      // Overwritten at most once a second, so it ends up showing the cell near the end of its run.
      if (Date.now() - lastCellShot > 1000) {
        await screenshotCell(page, selectors, options.watch, path.join(options.artifacts, "watched-cell-running.png"));
        lastCellShot = Date.now();
      }
    }
    if (prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p))) break;
    // Run All stops at a failing cell: nothing runs any more, and the per-cell checks name the error.
    if (errors > 0 && !prompts.some((p) => /\[\*\]/.test(p))) break;
    if (Date.now() > deadline) {
      await page.screenshot({ path: path.join(options.artifacts, "timed-out.png") });
      throw new Error(
        `${frontEnd.name}: the notebook did not finish within ${options.timeoutMs} ms; prompts ${JSON.stringify(prompts)}`,
      );
    }
    await page.waitForTimeout(200);
  }
  await page
    .waitForFunction(
      () => [...document.querySelectorAll(".nnlab-plotly")].every((el) => el.classList.contains("js-plotly-plot")),
      undefined,
      { timeout: 30_000 },
    )
    .catch(() => undefined); // an undrawn chart is reported per cell below
  await page.screenshot({ path: path.join(options.artifacts, "after-run.png") });
  return { cells: await page.evaluate(readCells, selectors), live: await page.evaluate(stopRecording) };
}

/** The cell whose source contains `text`; throws listing the cells when there is none. */
export function cellWith(run: NotebookRun, text: string): CellState {
  const cell = run.cells.find((c) => c.source.includes(text));
  if (!cell)
    throw new Error(
      `no code cell contains ${JSON.stringify(text)}; sources: ${JSON.stringify(run.cells.map((c) => c.source.slice(0, 60)))}`,
    );
  return cell;
}

/** Screenshot of the code cell (source and outputs) whose source contains `text`. */
export async function screenshotCell(page: Page, selectors: CellSelectors, text: string, file: string): Promise<void> {
  const cell = page.locator(selectors.cell).filter({ has: page.locator(selectors.source, { hasText: text }) });
  await cell.first().screenshot({ path: file, animations: "disabled" });
}

/* The functions below run inside the page: they must be self-contained. */

type PlotDiv = HTMLElement & {
  data?: { name?: string; type?: string; x?: unknown[] }[];
  layout?: { title?: { text?: string } | string };
};

/** Samples the watched cell every 25 ms into `window.__nnlabLive`, keeping the samples that differ from the last. */
function recordWatchedCell({ selectors, watch }: { selectors: CellSelectors; watch: string }): void {
  const samples: LiveSample[] = [];
  const take = (): void => {
    const cell = [...document.querySelectorAll(selectors.cell)].find((c) =>
      (c.querySelector(selectors.source)?.textContent ?? "").includes(watch),
    );
    const plot = cell?.querySelector<PlotDiv>(".js-plotly-plot");
    const sample = {
      running: /\[\*\]/.test(cell?.querySelector(selectors.prompt)?.textContent ?? ""),
      batchPoints: (plot?.data ?? [])
        .filter((trace) => String(trace.name).includes("per batch"))
        .reduce((n, trace) => n + (trace.x?.length ?? 0), 0),
      progress: cell?.querySelector(selectors.output)?.textContent ?? "",
    };
    const last = samples[samples.length - 1];
    if (
      !last ||
      last.running !== sample.running ||
      last.batchPoints !== sample.batchPoints ||
      last.progress !== sample.progress
    ) {
      samples.push(sample);
    }
  };
  const timer = setInterval(take, 25);
  Object.assign(window, { __nnlabLive: { samples, stop: () => clearInterval(timer) } });
}

type Recorder = { samples: LiveSample[]; stop(): void };

function stopRecording(): LiveSample[] {
  const recorder = (window as unknown as { __nnlabLive: Recorder }).__nnlabLive;
  recorder.stop();
  return recorder.samples;
}

/** Every code cell's prompt, the number of error outputs, and the watched cell's latest sample. */
function pageState(selectors: CellSelectors): { prompts: string[]; errors: number; latest: LiveSample | undefined } {
  const samples = (window as unknown as { __nnlabLive?: Recorder }).__nnlabLive?.samples ?? [];
  return {
    prompts: [...document.querySelectorAll(selectors.cell)].map(
      (c) => c.querySelector(selectors.prompt)?.textContent ?? "",
    ),
    errors: document.querySelectorAll(selectors.error).length,
    latest: samples[samples.length - 1],
  };
}

function readCells(selectors: CellSelectors): CellState[] {
  return [...document.querySelectorAll(selectors.cell)].map((cell) => ({
    source: cell.querySelector(selectors.source)?.textContent ?? "",
    prompt: cell.querySelector(selectors.prompt)?.textContent ?? "",
    pictures: [...cell.querySelectorAll<HTMLImageElement>(`${selectors.output} img`)].map((img) => ({
      loaded: img.complete && img.naturalWidth > 0,
      naturalWidth: img.naturalWidth,
    })),
    charts: [...cell.querySelectorAll<PlotDiv>(".nnlab-plotly.js-plotly-plot")].map((plot) => {
      const title = plot.layout?.title;
      return {
        traces: plot.data?.length ?? 0,
        traceNames: (plot.data ?? []).map((t) => String(t.name ?? "")),
        traceTypes: (plot.data ?? []).map((t) => String(t.type ?? "")),
        title: typeof title === "string" ? title : (title?.text ?? ""),
      };
    }),
    undrawnCharts: cell.querySelectorAll(".nnlab-plotly:not(.js-plotly-plot)").length,
    errors: [...cell.querySelectorAll(selectors.error)].map((e) => e.textContent ?? ""),
  }));
}
