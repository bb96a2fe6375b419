/**
 * A notebook with widgets read without a widget manager: executed by nbconvert without storing widget state
 * (as a notebook JupyterLab saves by default has none) and exported to HTML, it shows each explorer's PNG
 * snapshot and each widget's text/plain, not an empty widget placeholder.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JupyterEnv, createJupyterEnv } from "../support/jupyter_env";
import { SYSTEM_PYTHON, requirePythonModule } from "../support/paths";
import { runProcess } from "../support/processes";

const CELLS = [
  "const conv = viz.convolutionExplorer();",
  "new widgets.IntSlider({ value: 3, max: 10 })",
  `const model = keras.Sequential([keras.Input({ shape: [4] }), layers.Dense(1)]);
model.compile({ loss: "mse", optimizer: "sgd" });
await model.fit(nn.randn([64, 4]), nn.randn([64, 1]), { epochs: 2, verbose: 0, callbacks: [viz.trainingDashboard(model)] });`,
  `const cnn = keras.Sequential([keras.Input({ shape: [8, 8, 1] }), layers.Conv2D(2, 3), layers.MaxPooling2D(2)]);
const maps = viz.featureMapExplorer(cnn, nn.randn([3, 8, 8, 1]));`,
  `const rnn = keras.Sequential([keras.Input({ shape: [3, 2] }), layers.GRU(4), layers.Dense(2, { activation: "softmax" })]);
const stepper = viz.rnnStepper(rnn, nn.randn([3, 2]));`,
];

describe("nbconvert HTML of a notebook with widgets, without a widget manager", () => {
  let jupyter: JupyterEnv;
  beforeAll(async () => {
    requirePythonModule("nbconvert", "jupyter-nbconvert");
    jupyter = await createJupyterEnv();
  });
  afterAll(() => jupyter?.dispose());

  it("shows the explorers' PNG snapshots and the widgets' text/plain", async () => {
    const dir = path.join(jupyter.root, "work-widgets");
    mkdirSync(dir);
    const notebook = {
      cells: CELLS.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
      metadata: { kernelspec: { name: jupyter.kernelName, display_name: "nnlab", language: "typescript" } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    writeFileSync(path.join(dir, "widgets.ipynb"), JSON.stringify(notebook));
    const run = await runProcess(
      SYSTEM_PYTHON,
      [
        "-m",
        "nbconvert",
        "--to",
        "html",
        "--execute",
        "--ExecutePreprocessor.store_widget_state=False",
        "--ExecutePreprocessor.timeout=120",
        "--output",
        "widgets",
        "widgets.ipynb",
      ],
      { cwd: dir, env: jupyter.env, timeoutMs: 170_000 },
    );
    expect(run.code, run.output).toBe(0);
    const html = readFileSync(path.join(dir, "widgets.html"), "utf8");
    const pngs = [
      ...html.matchAll(/class="jp-RenderedImage jp-OutputArea-output ">\s*<img src="data:image\/png;base64,([^"]+)"/g),
    ].map((m) => PNG.sync.read(Buffer.from(m[1], "base64")));
    // The convolution explorer, the training dashboard, the feature-map explorer and the RNN stepper.
    expect(pngs).toHaveLength(4);
    for (const png of pngs) expect(png.width).toBeGreaterThan(100);
    expect(html).toContain("<pre>IntSlider(value=3, min=0, max=10, step=1)</pre>");
    expect(html).not.toContain("application/vnd.jupyter.widget-view+json");
  }, 180_000);
});
