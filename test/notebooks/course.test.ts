/**
 * The course notebooks as a student meets them: each notebook in notebooks/ is executed top to bottom with
 * `jupyter nbconvert --execute` on the nnlab kernel (installed into a private prefix), a cell error fails it,
 * and every cell tagged "figure" must have drawn a picture (image/png) or a chart (plotly). The notebooks run
 * in place, so their cells resolve packages from this checkout; the executed copies go to a temporary folder.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type JupyterEnv, createJupyterEnv } from "../support/jupyter_env";
import { executeNotebook } from "../support/nbconvert";
import { REPO_ROOT, requirePythonModule } from "../support/paths";

/** The course's budget is 5 minutes a notebook on a 2-core CPU; the limit leaves room for a loaded machine. */
const CELL_TIMEOUT_S = 600;
const NOTEBOOK_TIMEOUT_MS = 15 * 60_000;
const FIGURE_TYPES = ["image/png", "application/vnd.plotly.v1+json"];
const NOTEBOOK_DIR = path.join(REPO_ROOT, "notebooks");
/** Figures a notebook promises, read from what its cells print: each pattern's first group is the number. */
const PROMISED_FIGURES: Record<string, { what: string; pattern: RegExp; atLeast: number }[]> = {
  "04-cnn-mnist.ipynb": [
    {
      what: "test accuracy of the lecture CNN after 2 epochs on all of MNIST (section 6)",
      pattern: /learning rate 0\.003: test accuracy ([\d.]+)%/,
      atLeast: 98.5,
    },
  ],
  "10-language-models.ipynb": [
    {
      what: "factor by which the tiny GPT's held-out perplexity fell in training on the Brown corpus (section 5)",
      pattern: /GPT perplexity fell by a factor of ([\d.]+)/,
      atLeast: 5,
    },
  ],
  "14-where-next.ipynb": [
    {
      what: "training cost of the lecture CNN counted from its layer shapes (3 x 2 x 2,440,960 multiply-adds)",
      pattern: /training: about ([\d.]+) MFLOP per image/,
      atLeast: 14.6,
    },
  ],
};

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: Output[];
  execution_count?: number | null;
}
interface Notebook {
  metadata: { kernelspec?: { name?: string; language?: string } };
  cells: Cell[];
}

const notebooks = readdirSync(NOTEBOOK_DIR)
  .filter((name) => name.endsWith(".ipynb"))
  .sort();

describe("course notebooks as committed", () => {
  it("exist", () => {
    expect(notebooks.length).toBeGreaterThan(0);
  });

  it.each(notebooks)("%s is stored without outputs, for the nnlab kernel, with at least one figure cell", (name) => {
    const notebook = readNotebook(path.join(NOTEBOOK_DIR, name));
    expect(notebook.metadata.kernelspec).toMatchObject({ name: "nnlab", language: "typescript" });
    const code = notebook.cells.filter((c) => c.cell_type === "code");
    expect(code.filter((c) => (c.outputs ?? []).length > 0 || c.execution_count != null)).toEqual([]);
    expect(code.filter(isFigureCell).length).toBeGreaterThan(0);
  });
});

describe("course notebooks executed with jupyter nbconvert on the nnlab kernel", () => {
  let jupyter: JupyterEnv;

  beforeAll(async () => {
    requirePythonModule("nbconvert", "jupyter-nbconvert");
    jupyter = await createJupyterEnv();
  });

  afterAll(() => jupyter?.dispose());

  it.each(notebooks)(
    "%s runs top to bottom without a cell error and every figure cell draws",
    async (name) => {
      const started = Date.now();
      const { run, executed } = await executeNotebook<Notebook>(jupyter, path.join(NOTEBOOK_DIR, name), {
        cellTimeoutS: CELL_TIMEOUT_S,
        timeoutMs: NOTEBOOK_TIMEOUT_MS,
      });
      console.log(`${name}: ${Math.round((Date.now() - started) / 1000)} s`);
      expect(run.code, run.output).toBe(0);
      if (!executed) throw new Error(`nbconvert exited 0 but wrote no executed copy of ${name}:\n${run.output}`);

      const code = executed.cells.filter((c) => c.cell_type === "code");
      const errors = code.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error"));
      expect(errors.map((o) => `${o.ename}: ${o.evalue}`)).toEqual([]);
      const blank = code.filter(isFigureCell).filter((c) => !(c.outputs ?? []).some(drawsFigure));
      expect(blank.map(firstLine), "figure cells that drew nothing").toEqual([]);

      const printed = code.flatMap((c) => (c.outputs ?? []).map((o) => (o.output_type === "stream" ? joined(o.text) : ""))).join("");
      for (const { what, pattern, atLeast } of PROMISED_FIGURES[name] ?? []) {
        const match = pattern.exec(printed);
        expect(match, `${name} printed no ${what} (${pattern})`).not.toBeNull();
        console.log(`${name}: ${what}: ${match![1]}`);
        expect(Number(match![1]), what).toBeGreaterThanOrEqual(atLeast);
      }
    },
    NOTEBOOK_TIMEOUT_MS,
  );
});

function readNotebook(file: string): Notebook {
  return JSON.parse(readFileSync(file, "utf8")) as Notebook;
}

/** Cells tagged "figure" promise a picture or a chart. */
function isFigureCell(cell: Cell): boolean {
  return (cell.metadata.tags ?? []).includes("figure");
}

function drawsFigure(output: Output): boolean {
  return FIGURE_TYPES.some((mime) => output.data?.[mime] !== undefined);
}

function joined(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : (text ?? "");
}

function firstLine(cell: Cell): string {
  const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
  return source.split("\n")[0];
}
