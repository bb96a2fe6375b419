/**
 * `viz.convolutionExplorer(image?, kernel?)`: steps a 2-D convolution (cross-correlation, as Keras's Conv2D
 * computes it) one output position at a time. Sliders set the stride, the zero padding and the output
 * position (Prev/Next step it); the receptive field is highlighted on the input, the product terms are
 * written out (`aw + bx + ey + fz` for the lecture's 4x4 `a..p` image and 2x2 `w x / y z` kernel, numbers
 * for a numeric image), and the feature map fills in up to the current position.
 */
import { JUPYTER_DISPLAY, getDisplaySink, type MimeBundle } from "../display";
import { Button, HBox, HTML, IntSlider, VBox } from "../widgets/controls";
import { widgetBundle } from "../widgets/model";
import type { RGB } from "./colormap";
import { squeezeBatch, toDenseOfRank } from "./data";
import { drawText, lineHeight, textWidth } from "./font";
import { escapeHtml } from "./format";
import { encodePng } from "./png";
import { BLACK, Raster } from "./raster";
import type { ArrayInput } from "./types";

const OP = "viz.convolutionExplorer";
const HIGHLIGHT = "#ffd54f";
const PAD_COLOR = "#eeeeee";
const HIGHLIGHT_RGB: RGB = [255, 213, 79];

/** A grid of symbols (`"a"`) or numbers. */
type Cell = string | number;
type Grid = Cell[][];

/** The lecture's example: a 4x4 image a..p and a 2x2 kernel w x / y z. */
const LECTURE_IMAGE: Grid = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => String.fromCharCode(97 + r * 4 + c)));
const LECTURE_KERNEL: Grid = [
  ["w", "x"],
  ["y", "z"],
];

export interface ConvolutionExplorerOptions {
  stride?: number;
  padding?: number;
  /** The output position to show first (row-major index), default 0. */
  position?: number;
}

export interface ConvolutionStep {
  /** The output cell [row, column]. */
  output: [number, number];
  /** Input cells [row, column] under the kernel (in unpadded coordinates; outside the image = padding). */
  field: [number, number][];
  /** The written sum, e.g. `aw + bx + ey + fz`. */
  formula: string;
  /** The value, for a numeric image and kernel. */
  value?: number;
}

export class ConvolutionExplorer {
  readonly stride: IntSlider;
  readonly padding: IntSlider;
  readonly position: IntSlider;
  readonly previous: Button;
  readonly next: Button;
  readonly view: HTML;
  readonly widget: VBox;
  private readonly image: Grid;
  private readonly kernel: Grid;

  constructor(image?: ArrayInput, kernel?: ArrayInput, options: ConvolutionExplorerOptions = {}) {
    this.image = image === undefined ? LECTURE_IMAGE : grid(image, "image");
    this.kernel = kernel === undefined ? LECTURE_KERNEL : grid(kernel, "kernel");
    const [kh, kw] = [this.kernel.length, this.kernel[0].length];
    if (kh > this.image.length + 2 * (options.padding ?? 0) || kw > this.image[0].length + 2 * (options.padding ?? 0)) {
      throw new RangeError(
        `${OP}: the ${kh}x${kw} kernel is larger than the ${this.image.length}x${this.image[0].length} image`,
      );
    }
    this.stride = new IntSlider({
      value: options.stride ?? 1,
      min: 1,
      max: Math.max(kh, kw, 2),
      description: "stride",
    });
    this.padding = new IntSlider({
      value: options.padding ?? 0,
      min: 0,
      max: Math.max(kh, kw) - 1 || 1,
      description: "padding",
    });
    this.position = new IntSlider({ value: 0, min: 0, max: this.outputCount() - 1, description: "position" });
    this.position.value = options.position ?? 0;
    this.previous = new Button({ description: "Prev", icon: "step-backward" });
    this.next = new Button({ description: "Next", icon: "step-forward" });
    this.view = new HTML({ value: this.html() });
    this.widget = new VBox([
      new HBox([this.stride, this.padding]),
      new HBox([this.position, this.previous, this.next]),
      this.view,
    ]);
    const geometryChanged = () => {
      this.position.set({ max: this.outputCount() - 1, value: Math.min(this.position.value, this.outputCount() - 1) });
      this.refresh();
    };
    this.stride.observe(geometryChanged);
    this.padding.observe(geometryChanged);
    this.position.observe(() => this.refresh());
    this.previous.onClick(() => this.step(-1));
    this.next.onClick(() => this.step(1));
  }

  /** The output's height and width for the current stride and padding. */
  outputShape(): [number, number] {
    const s = this.stride.value;
    const p = this.padding.value;
    return [
      Math.floor((this.image.length + 2 * p - this.kernel.length) / s) + 1,
      Math.floor((this.image[0].length + 2 * p - this.kernel[0].length) / s) + 1,
    ];
  }

  /** Moves the output position by `delta` (wrapping around at the ends). */
  step(delta: number): void {
    const count = this.outputCount();
    this.position.value = (((this.position.value + delta) % count) + count) % count;
  }

  /** The step at `position` (default the current one). */
  stepAt(position = this.position.value): ConvolutionStep {
    const [, outW] = this.outputShape();
    const [row, col] = [Math.floor(position / outW), position % outW];
    const s = this.stride.value;
    const p = this.padding.value;
    const field: [number, number][] = [];
    const terms: string[] = [];
    let value = 0;
    let numeric = true;
    this.kernel.forEach((kernelRow, i) =>
      kernelRow.forEach((weight, j) => {
        const [r, c] = [row * s + i - p, col * s + j - p];
        field.push([r, c]);
        const input = this.image[r]?.[c] ?? 0;
        terms.push(term(input, weight));
        if (typeof input === "number" && typeof weight === "number") value += input * weight;
        else numeric = false;
      }),
    );
    const formula = numeric ? `${terms.join(" + ")} = ${format(value)}` : terms.join(" + ");
    return { output: [row, col], field, formula, ...(numeric ? { value } : {}) };
  }

  /** The current state as a PNG: input with the field highlighted, and the formula. */
  picture(): Uint8Array {
    const cell = this.image.length > 8 ? 8 : 32;
    const { field, formula } = this.stepAt();
    const inField = new Set(field.map(([r, c]) => `${r},${c}`));
    const p = this.padding.value;
    const size = (this.image.length + 2 * p) * cell;
    const width = Math.max(size + 16, textWidth(formula, 1) + 16);
    const raster = new Raster(width, size + lineHeight(1) + 24);
    const numbers = this.image.flat().filter((v): v is number => typeof v === "number");
    const [low, high] = numbers.length ? [Math.min(...numbers), Math.max(...numbers)] : [0, 1];
    for (let r = -p; r < this.image.length + p; r++) {
      for (let c = -p; c < this.image[0].length + p; c++) {
        const x = 8 + (c + p) * cell;
        const y = 8 + (r + p) * cell;
        const v = this.image[r]?.[c];
        const shade = typeof v === "number" ? Math.round(255 - ((v - low) / (high - low || 1)) * 255) : 255;
        raster.fill(x, y, cell, cell, v === undefined ? [238, 238, 238] : [shade, shade, shade]);
        if (inField.has(`${r},${c}`)) raster.frame(x + 2, y + 2, cell - 4, cell - 4, 2, HIGHLIGHT_RGB);
        if (typeof v === "string") drawText(raster, v, x + cell / 2 - 3, y + cell / 2 - 4, BLACK);
      }
    }
    drawText(raster, formula, 8, size + 16, BLACK);
    return encodePng(raster);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    const { formula } = this.stepAt();
    return {
      ...widgetBundle(this.widget, { "image/png": Buffer.from(this.picture()).toString("base64") }),
      "text/plain": `ConvolutionExplorer: ${formula}`,
    };
  }

  private outputCount(): number {
    const [h, w] = this.outputShape();
    return h * w;
  }

  private refresh(): void {
    this.view.value = this.html();
  }

  private html(): string {
    const step = this.stepAt();
    const inField = new Set(step.field.map(([r, c]) => `${r},${c}`));
    const p = this.padding.value;
    const small = this.image.length > 8;
    const numbers = this.image.flat().filter((v): v is number => typeof v === "number");
    const [low, high] = numbers.length ? [Math.min(...numbers), Math.max(...numbers)] : [0, 1];
    const inputRows: string[] = [];
    for (let r = -p; r < this.image.length + p; r++) {
      const cells: string[] = [];
      for (let c = -p; c < this.image[0].length + p; c++) {
        const v = this.image[r]?.[c];
        const highlighted = inField.has(`${r},${c}`);
        const shade = v === undefined ? PAD_COLOR : typeof v === "number" && small ? gray(v, low, high) : "white";
        const background = highlighted && !small ? HIGHLIGHT : shade;
        const outline = highlighted && small ? `;outline:2px solid ${HIGHLIGHT};outline-offset:-2px` : "";
        const style = `${cellStyle(small)};background:${background}${outline}`;
        const text = v === undefined ? "0" : small ? "" : String(typeof v === "number" ? format(v) : v);
        cells.push(
          `<td data-row="${r}" data-col="${c}"${highlighted ? ' data-highlight="true"' : ""} style="${style}">${text}</td>`,
        );
      }
      inputRows.push(`<tr>${cells.join("")}</tr>`);
    }
    const kernelRows = this.kernel.map(
      (row) =>
        `<tr>${row.map((w) => `<td style="${cellStyle(false)};background:${HIGHLIGHT}">${typeof w === "number" ? format(w) : w}</td>`).join("")}</tr>`,
    );
    const [outH, outW] = this.outputShape();
    const outputRows: string[] = [];
    for (let r = 0; r < outH; r++) {
      const cells: string[] = [];
      for (let c = 0; c < outW; c++) {
        const index = r * outW + c;
        const done = index <= this.position.value;
        const current = index === this.position.value;
        const content = done ? outputText(this.stepAt(index), small) : "";
        cells.push(
          `<td data-output="${r},${c}"${current ? ' data-current="true"' : ""} style="${cellStyle(small)};min-width:${small ? 8 : 48}px${current ? `;background:${HIGHLIGHT}` : done && small ? ";background:#90caf9" : ""}">${content}</td>`,
        );
      }
      outputRows.push(`<tr>${cells.join("")}</tr>`);
    }
    const table = (rows: string[], title: string) =>
      `<div style="display:inline-block;vertical-align:top;margin-right:24px"><div style="font-weight:bold">${title}</div><table style="border-collapse:collapse">${rows.join("")}</table></div>`;
    const [row, col] = step.output;
    return (
      `<div class="nnlab-convolution">` +
      table(inputRows, p > 0 ? `input (padding ${p})` : "input") +
      table(kernelRows, "kernel") +
      table(outputRows, `feature map ${outH}x${outW}`) +
      `<p>output [${row}, ${col}] = <span class="nnlab-formula" style="font-family:monospace">${escapeHtml(step.formula)}</span></p></div>`
    );
  }
}

/**
 * Shows a convolution explorer and returns it. Without arguments it steps the lecture's 4x4 image `a..p`
 * with the 2x2 kernel `w x / y z`; with an image (`[H, W]`, or an MNIST digit `[H, W, 1]`) and a kernel
 * (`[kh, kw]`) it computes the numbers.
 */
export function convolutionExplorer(
  image?: ArrayInput,
  kernel?: ArrayInput,
  options: ConvolutionExplorerOptions = {},
): ConvolutionExplorer {
  if ((image === undefined) !== (kernel === undefined)) {
    throw new TypeError(`${OP}: give both an image and a kernel, or neither (the lecture's a..p and w x / y z)`);
  }
  const explorer = new ConvolutionExplorer(image, kernel, options);
  getDisplaySink().display(explorer[JUPYTER_DISPLAY]());
  return explorer;
}

function grid(input: ArrayInput, what: string): Grid {
  const dense = squeezeBatch(toDenseOfRank(input, [2, 3, 4], OP, what), 3);
  const [h, w, channels = 1] = dense.shape;
  if (channels !== 1 || dense.shape.length > 3) {
    throw new RangeError(
      `${OP}: the ${what} must have one channel ([H, W] or [H, W, 1]), got shape [${dense.shape.join(", ")}]`,
    );
  }
  return Array.from({ length: h }, (_, r) => Array.from({ length: w }, (_, c) => Number(dense.data[r * w + c])));
}

function term(input: Cell, weight: Cell): string {
  if (typeof input === "number" && typeof weight === "number") return `${format(input)}·${format(weight)}`;
  return `${typeof input === "number" ? format(input) : input}${typeof weight === "number" ? format(weight) : weight}`;
}

function outputText(step: ConvolutionStep, small: boolean): string {
  if (small) return "";
  if (step.value !== undefined) return format(step.value);
  return escapeHtml(step.formula.replace(/ \+ /g, "+"));
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function gray(value: number, low: number, high: number): string {
  const shade = Math.round(255 - ((value - low) / (high - low || 1)) * 255);
  return `rgb(${shade},${shade},${shade})`;
}

function cellStyle(small: boolean): string {
  return small
    ? "width:8px;height:8px;padding:0;border:1px solid #ddd"
    : "width:32px;height:32px;text-align:center;border:1px solid #999;font-family:monospace";
}
