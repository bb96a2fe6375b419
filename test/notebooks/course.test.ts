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
/**
 * Headline results a notebook promises, read from what its cells print: each pattern's first group is the number,
 * which must lie in [atLeast, atMost] (either bound may be left out). The bounds leave a margin below the committed
 * run's figure (in the comment), so that another seed-stable run passes and a regression fails. No bound is on a time.
 */
const PROMISED_FIGURES: Record<string, { what: string; pattern: RegExp; atLeast?: number; atMost?: number }[]> = {
  "00-welcome.ipynb": [
    { what: "autograd's f'(2) for f(x) = x² + 3x (7 by hand)", pattern: /autograd f'\(2\) = ([\d.]+)/, atLeast: 7, atMost: 7 },
  ],
  "01-mlp-backprop.ipynb": [
    {
      what: "largest difference between backpropagation by hand and autograd",
      pattern: /largest difference between hand and autograd: ([\d.e+-]+)/,
      atMost: 1e-6,
    },
    {
      what: "mean test accuracy (%) of the MLP over 3 seeds, 10,000 images, 10 epochs (92.5)",
      pattern: /test accuracy over 3 seeds: linear SVM [\d.]+% \([\d.-]+%\), MLP ([\d.]+)%/,
      atLeast: 91.5,
    },
    {
      what: "mean test accuracy (%) of the linear SVM over 3 seeds (88.3)",
      pattern: /test accuracy over 3 seeds: linear SVM ([\d.]+)%/,
      atLeast: 86.5,
    },
    {
      what: "the MLP's loss climb between two solutions, proving non-convexity (0.255)",
      pattern: /climb above the higher end: linear SVM [\d.]+, MLP ([\d.]+)/,
      atLeast: 0.1,
    },
    {
      what: "the linear SVM's loss climb between two solutions, none for a convex loss (0.0000)",
      pattern: /climb above the higher end: linear SVM ([\d.]+)/,
      atMost: 0.001,
    },
    {
      what: "learning curve: mean test accuracy (%) at the largest training set, 32,000 images (95.2)",
      pattern: /learning curve: \d+ images [\d.]+% \([\d.-]+%\), \d+ images ([\d.]+)%/,
      atLeast: 94,
    },
  ],
  "02-gpus.ipynb": [
    {
      what: "largest difference between the notebook's gpu.js matmul kernel and nn.matmul",
      pattern: /largest difference from nn\.matmul: ([\d.e+-]+)/,
      atMost: 1e-3,
    },
  ],
  "03-convolution.ipynb": [
    {
      what: 'looks at a corner pixel with a 3×3 kernel and padding "same" (4)',
      pattern: /a corner pixel is seen (\d+) times/,
      atLeast: 4,
      atMost: 4,
    },
    {
      what: "translation equivariance: shifted-then-filtered vs filtered-then-shifted",
      pattern: /"shift the filtered digit": ([\d.e+-]+)/,
      atMost: 1e-5,
    },
  ],
  "04-cnn-mnist.ipynb": [
    {
      what: "test accuracy (%) of the lecture CNN after 2 epochs on all of MNIST (section 6)",
      pattern: /learning rate 0\.003: test accuracy ([\d.]+)%/,
      atLeast: 98.5,
    },
    {
      what: "seeds (of 3) in which Adam at 0.003 beats 0.001 on 10,000 images (3)",
      pattern: /0\.003 beats 0\.001 in (\d) of 3 seeds/,
      atLeast: 3,
    },
    {
      what: "points of accuracy the CNN loses on digits shifted 3 pixels (22.6)",
      pattern: /shift 3 pixels: the CNN loses ([\d.]+) points/,
      atMost: 32,
    },
    {
      what: "points of accuracy the MLP loses on digits shifted 3 pixels (45.8)",
      pattern: /shift 3 pixels: the CNN loses [\d.]+ points, the MLP ([\d.]+) points/,
      atLeast: 36,
    },
  ],
  "06-deep-convnets.ipynb": [
    {
      what: "mean test accuracy (%) of the VGG-style network with batch norm, 3 seeds, 6,000 images, 2 epochs (96.67)",
      pattern: /VGG-style, batch norm: test accuracy ([\d.]+)%/,
      atLeast: 95.5,
    },
    {
      what: "rows reached by the gradient of a unit after six convolutions, as the formula says (28, the whole image)",
      pattern: /rows of pixels with a non-zero gradient: (?:\d+, ){7}(\d+)/,
      atLeast: 28,
      atMost: 28,
    },
  ],
  "10-language-models.ipynb": [
    {
      what: "mean factor by which the tiny GPT's held-out perplexity fell in one pass, 3 seeds (6.4)",
      pattern: /GPT perplexity fell by a factor of ([\d.]+)/,
      atLeast: 5,
    },
    {
      what: "mean held-out perplexity of the character LSTM after one pass, 3 seeds (12.47; uniform guess 48)",
      pattern: /held-out perplexity LSTM ([\d.]+) \([\d.-]+\), GPT/,
      atMost: 13.5,
    },
    {
      what: "mean held-out perplexity of the tiny GPT after one pass, 3 seeds (12.27; uniform guess 48)",
      pattern: /held-out perplexity LSTM [\d.]+ \([\d.-]+\), GPT ([\d.]+)/,
      atMost: 13.5,
    },
    {
      what: "mean held-out accuracy (%) of guessing a masked character from one before and one after, 3 seeds (44.1)",
      pattern: /masked character from one before and one after +held-out accuracy over 3 seeds ([\d.]+)/,
      atLeast: 42,
    },
    {
      what: "seeds (of 3) on which the masked character is guessed more often than the next one (3)",
      pattern: /the masked character is guessed more often than the next one on (\d+) of 3 seeds/,
      atLeast: 3,
    },
  ],
  "14-where-next.ipynb": [
    {
      what: "training cost of the lecture CNN counted from its layer shapes (3 x 2 x 2,440,960 multiply-adds)",
      pattern: /training: about ([\d.]+) MFLOP per image/,
      atLeast: 14.6,
      atMost: 14.6,
    },
  ],
  "05-feature-maps.ipynb": [
    {
      what: "linear probe on the trained CNN's features, images the CNN never saw, mean of 3 CNNs (section 4)",
      pattern: /probe on trained CNN features \(1600\): mean test accuracy ([\d.]+)%/,
      atLeast: 88,
    },
  ],
  "07-rnn.ipynb": [
    {
      what: "SimpleRNN recalling the first symbol 20 steps back, mean of 3 seeds (section 5: capacity is not the limit; 100.0%)",
      pattern: /recall first, delay 20: mean recall accuracy ([\d.]+)%/,
      atLeast: 95,
    },
    {
      what: "SimpleRNN echoing 14 symbols back, mean of 3 seeds: it runs out of room (27.9%; chance is 25%)",
      pattern: /echo, delay 14: mean recall accuracy ([\d.]+)%/,
      atMost: 50,
    },
  ],
  "08-lstm-bilstm.ipynb": [
    {
      what: "LSTM with Keras's default forget bias on the 30-step recall task, mean of 3 seeds (section 3; 99.1)",
      pattern: /LSTM \(forget bias 1, Keras's default\): final test accuracy mean ([\d.]+)%/,
      atLeast: 95,
    },
    {
      what: "bidirectional LSTM predicting the symbol two steps ahead, mean of 3 seeds (section 5; 100.0)",
      pattern: /Bidirectional\(LSTM\(16\)\): \d+ weights, final test accuracy mean ([\d.]+)%/,
      atLeast: 95,
    },
    {
      what: "mean test accuracy (%) of the bidirectional LSTM telling news, romance and learned writing apart from one sentence, 3 seeds (section 6; 68.9, guessing 33.3)",
      pattern: /genre classifier, Bidirectional\(LSTM\(16\)\): \d+ weights, test accuracy mean ([\d.]+)%/,
      atLeast: 63,
    },
  ],
  "09-attention-transformers.ipynb": [
    {
      what: "whole test strings reversed by the 2-block Transformer, mean of 3 seeds (section 3)",
      pattern: /whole test strings reversed, mean over 3 seeds: ([\d.]+)%/,
      atLeast: 95,
    },
    {
      what: "test words pronounced exactly as in the dictionary by the encoder-decoder, greedy decoding (39.6, section 5)",
      pattern: /test words pronounced exactly as in the dictionary: ([\d.]+)%/,
      atLeast: 30,
    },
  ],
  "11-gan.ipynb": [
    {
      what: "the digit judge's accuracy on real test digits, the yardstick of section 5's variety counts",
      pattern: /the judge reads ([\d.]+)% of 1,000 real test digits right/,
      atLeast: 80,
    },
  ],
  "13-image-captioning.ipynb": [
    {
      what: "test captions written exactly right by greedy decoding (section 3; 68.0% with the fused float32 LSTM scan)",
      pattern: /test captions exactly right \(([\d.]+)%\)/,
      atLeast: 55,
    },
  ],
  // Measured (3 seeds, 2,000 test images of the digits 5-9, 2 wasm threads): 91.1%, 97.0%, 97.8%, 95.1%, 94.4%.
  "12-transfer-learning.ipynb": [
    {
      what: "mean test accuracy of fine-tuning from the digits 0-4 with 5 labels per digit 5-9 (section 5)",
      pattern: /fine-tuning from mnist_0_4, 5 labels per digit: mean ([\d.]+)%/,
      atLeast: 86,
    },
    {
      what: "mean test accuracy of transfer learning from the digits 0-4 with 500 labels per digit",
      pattern: /transfer learning from mnist_0_4, 500 labels per digit: mean ([\d.]+)%/,
      atLeast: 95,
    },
    {
      what: "mean test accuracy of fine-tuning from the digits 0-4 with 500 labels per digit",
      pattern: /fine-tuning from mnist_0_4, 500 labels per digit: mean ([\d.]+)%/,
      atLeast: 96,
    },
    {
      what: "mean test accuracy of fine-tuning from Fashion-MNIST with 500 labels per digit",
      pattern: /fine-tuning from fashion_mnist, 500 labels per digit: mean ([\d.]+)%/,
      atLeast: 92,
    },
    {
      what: "mean test accuracy of training from scratch with 500 labels per digit",
      pattern: /from scratch, 500 labels per digit: mean ([\d.]+)%/,
      atLeast: 90,
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
      for (const { what, pattern, atLeast, atMost } of PROMISED_FIGURES[name] ?? []) {
        const match = pattern.exec(printed);
        expect(match, `${name} printed no ${what} (${pattern})`).not.toBeNull();
        console.log(`${name}: ${what}: ${match![1]}`);
        if (atLeast !== undefined) expect(Number(match![1]), what).toBeGreaterThanOrEqual(atLeast);
        if (atMost !== undefined) expect(Number(match![1]), what).toBeLessThanOrEqual(atMost);
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
