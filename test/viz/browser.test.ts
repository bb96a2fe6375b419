import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MimeBundle } from "../../runtime/display";
import * as viz from "../../runtime/viz";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";
import { constantImage, fakeTensor } from "./decode";

/**
 * Viz outputs rendered the way nbconvert's HTML export and the notebook front
 * ends render them (image/png as <img>, text/html inline, scripts run), in
 * Debian's Chromium with every network request refused: the pictures load and
 * the charts draw offline. Screenshots go to test-artifacts/viz/.
 */
const CHROMIUM = "/usr/bin/chromium";
/** Debian's Python, which has Jupyter (the python3 first on PATH does not). */
const PYTHON = "/usr/bin/python3";
const ARTIFACTS = resolve(__dirname, "../../test-artifacts/viz");

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run the viz browser test`,
    );
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

describe("viz outputs in a browser, offline", () => {
  it("show every picture and draw every chart of a notebook page, with plotly.js inlined once", async () => {
    resetPlotlyCarrier();
    const outputs = demoOutputs();
    const charts = outputs.filter((b) => typeof b["text/html"] === "string").length;
    const html = page(outputs);
    expect(html.split("plotly.js v4").length - 1).toBe(1);
    const result = await render(html, "notebook-page");
    expect(result.images).toEqual(outputs.filter((b) => b["image/png"]).map(() => true));
    expect(result.plots).toEqual(Array.from({ length: charts }, () => true));
  });

  it("draws a chart that comes before the one carrying plotly.js, once the library arrives", async () => {
    resetPlotlyCarrier();
    const figure = viz.line([1, 2, 3]);
    const carrier = figure.bundle();
    const waiting = viz.line([3, 2, 1]).bundle();
    const result = await render(page([waiting, carrier]), "loader-before-carrier");
    expect(result.plots).toEqual([true, true]);
  });
});

describe("nbconvert's HTML export of a notebook with viz outputs", () => {
  it("keeps the pictures and draws the charts offline", async () => {
    if (!existsSync(PYTHON))
      throw new Error(`${PYTHON} is missing: the nbconvert check needs Debian's python3-nbconvert`);
    resetPlotlyCarrier();
    const outputs = demoOutputs();
    const cells = outputs.map((data, i) => ({
      cell_type: "code",
      execution_count: i + 1,
      metadata: {},
      source: `viz output ${i}`,
      outputs: [{ output_type: "display_data", data, metadata: {} }],
    }));
    const notebook = join(ARTIFACTS, "nbconvert.ipynb");
    writeFileSync(notebook, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
    execFileSync(PYTHON, ["-m", "nbconvert", "--to", "html", notebook], { stdio: "pipe" });
    const exported = readFileSync(join(ARTIFACTS, "nbconvert.html"), "utf8");
    const result = await render(exported, "nbconvert-export");
    expect(result.plots).toEqual(outputs.filter((b) => b["text/html"]).map(() => true));
    expect(result.images.filter(Boolean).length).toBeGreaterThanOrEqual(outputs.filter((b) => b["image/png"]).length);
  });
});

/** One of each viz output, as a course notebook would show them. */
function demoOutputs(): MimeBundle[] {
  const digits = Array.from({ length: 12 }, (_, i) =>
    constantImage(28, 28, 0).map((row, y) =>
      row.map((_, x) => (Math.abs(x - 14) < 2 + (i % 4) && y > 4 && y < 24 ? 1 : 0)),
    ),
  );
  const labels = digits.map((_, i) => i % 10);
  const predictions = labels.map((l, i) => (i % 5 === 3 ? (l + 1) % 10 : l));
  const conv = Array.from({ length: 26 * 26 * 8 }, (_, i) => Math.max(0, Math.sin(i / 37) * ((i % 8) - 2)));
  const model = {
    layers: [{ name: "conv2d", className: "Conv2D" }],
    activations: () => [fakeTensor([1, 26, 26, 8], conv)],
  };
  const kernel = fakeTensor(
    [3, 3, 1, 8],
    Array.from({ length: 72 }, (_, i) => Math.sin(i * 1.7)),
  );
  const tokens = ["the", "cat", "sat", "on", "the", "mat"];
  const attention = tokens.map((_, q) => tokens.map((_, k) => (q === k ? 0.6 : 0.4 / 5)));
  const states = fakeTensor(
    [6, 16],
    Array.from({ length: 96 }, (_, i) => Math.tanh(Math.sin(i * 0.7) * 2)),
  );
  const lstm = { name: "lstm", className: "LSTM", recurrentStates: () => ({ hidden: states, cell: states }) };
  const history = {
    epoch: [0, 1, 2, 3],
    history: {
      loss: [0.9, 0.5, 0.35, 0.3],
      val_loss: [0.7, 0.5, 0.42, 0.41],
      accuracy: [0.7, 0.85, 0.9, 0.92],
      val_accuracy: [0.78, 0.85, 0.88, 0.89],
    },
  };
  return [
    viz.images(digits, { labels, predictions, columns: 6 }),
    viz.featureMaps(model, fakeTensor([28, 28, 1], new Float32Array(784))),
    viz.filters(kernel),
    viz.heatmap(attention, { xLabels: tokens, yLabels: tokens, title: "heatmap" }),
    viz.attention(attention, { queryTokens: tokens, keyTokens: tokens }),
    viz.hiddenStates(lstm, fakeTensor([6, 1], [1, 2, 3, 4, 1, 5]), { tokens }),
    viz.confusionMatrix([0, 1, 2, 2, 1, 0, 2], [0, 1, 2, 1, 1, 0, 0], { classNames: ["cat", "dog", "eel"] }),
    viz.trainingCurves(history),
    viz.line({ sin: [0, 0.84, 0.91, 0.14], cos: [1, 0.54, -0.42, -0.99] }, { title: "line" }),
  ].map((o) => o.bundle());
}

/** An HTML page holding the outputs as nbconvert's export does. */
function page(outputs: readonly MimeBundle[]): string {
  const parts = outputs.map((b) =>
    typeof b["text/html"] === "string"
      ? `<div class="output">${b["text/html"]}</div>`
      : `<div class="output"><img src="data:image/png;base64,${b["image/png"] as string}"></div>`,
  );
  return `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="width:1000px">${parts.join("\n")}</body></html>`;
}

/** Loads `html` with the network blocked; reports which images loaded and which plot divs plotly drew. */
async function render(html: string, name: string): Promise<{ images: boolean[]; plots: boolean[] }> {
  const file = join(ARTIFACTS, `${name}.html`);
  writeFileSync(file, html);
  const context = await browser.newContext({ viewport: { width: 1040, height: 900 } });
  try {
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on("pageerror", (e) => errors.push(e.message));
    await tab.route(/^https?:/, (route) => route.abort());
    await tab.goto(`file://${file}`);
    await tab.waitForFunction(
      () => [...document.querySelectorAll(".nnlab-plotly")].every((el) => el.classList.contains("js-plotly-plot")),
      undefined,
      { timeout: 20_000 },
    );
    const state = await tab.evaluate(() => ({
      images: [...document.querySelectorAll("img")].map((img) => img.complete && img.naturalWidth > 0),
      plots: [...document.querySelectorAll(".nnlab-plotly")].map(
        (el) =>
          el.classList.contains("js-plotly-plot") && ((el as unknown as { data?: unknown[] }).data?.length ?? 0) > 0,
      ),
    }));
    await tab.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    expect(errors).toEqual([]);
    return state;
  } finally {
    await context.close();
  }
}
