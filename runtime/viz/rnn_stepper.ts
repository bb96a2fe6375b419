/**
 * `viz.rnnStepper(model, sequence)`: steps a recurrent layer (SimpleRNN, LSTM, GRU) through one sequence.
 * Prev/Next buttons, a Play button and a slider choose the step t; the view shows the input token at t,
 * the hidden state h_t (and the cell state c_t for an LSTM) as a heat strip, blue-white-red around 0, and
 * the model's output distribution at t when the model outputs one per step (returnSequences and a
 * Dense head), else the model's final output. The states and outputs are computed once, when the stepper
 * is made (`model.recurrentStates` and `model.activations`), so stepping only redraws.
 */
import { JUPYTER_DISPLAY, getDisplaySink, type MimeBundle } from "../display";
import { Button, HBox, HTML, Image, IntSlider, Play, VBox, jslink } from "../widgets/controls";
import { widgetBundle } from "../widgets/model";
import { colorAt } from "./colormap";
import { toDenseOfRank, type Dense } from "./data";
import { drawText, lineHeight, textWidth } from "./font";
import { escapeHtml, formatNumber } from "./format";
import { encodePng } from "./png";
import { BLACK, Raster } from "./raster";
import type { ActivationModel, RecurrentModel, TensorLike } from "./types";

const OP = "viz.rnnStepper";
const MARGIN = 8;
const TEXT = 2;
const BAR: readonly [number, number, number] = [66, 133, 244];

export type RnnStepperModel = RecurrentModel & ActivationModel;

export interface RnnStepperOptions {
  /** The recurrent layer, by name (default the model's first SimpleRNN, LSTM or GRU). */
  layer?: string;
  /** A label per time step (the input tokens); default the token id, or the one-hot index, or the features. */
  tokens?: readonly string[];
  /** A label per output class (default the class index). */
  classes?: readonly string[];
  /** The step shown first (default 0). */
  step?: number;
}

/** What the stepper shows at one step. */
export interface RnnStep {
  step: number;
  token: string;
  hidden: number[];
  /** The LSTM cell state c_t; absent for SimpleRNN and GRU. */
  cell?: number[];
  /** The model's output at step t (per-step outputs) or its final output; `perStep` says which. */
  output: number[];
  perStep: boolean;
}

export class RnnStepper {
  readonly step: IntSlider;
  readonly play: Play;
  readonly previous: Button;
  readonly next: Button;
  readonly view: Image;
  readonly caption: HTML;
  readonly widget: VBox;
  /** The recurrent layer stepped. */
  readonly layerName: string;
  readonly className: string;
  private readonly hidden: Dense;
  private readonly cell: Dense | undefined;
  private readonly output: Dense;
  private readonly tokens: string[];

  constructor(
    model: RnnStepperModel,
    sequence: TensorLike,
    private readonly options: RnnStepperOptions = {},
  ) {
    const layer = options.layer
      ? model.layers.find((l) => l.name === options.layer)
      : model.layers.find((l) => /^(SimpleRNN|LSTM|GRU|RNN)$/.test(l.className));
    if (!layer) {
      const listed = model.layers.map((l) => `${l.name} (${l.className})`).join(", ");
      throw new RangeError(
        `${OP}: ${options.layer ? `no layer "${options.layer}"` : "the model has no SimpleRNN, LSTM or GRU layer"}; layers are ${listed}`,
      );
    }
    this.layerName = layer.name;
    this.className = layer.className;
    const seq = toDenseOfRank(sequence, [1, 2, 3], OP, "the sequence");
    if (seq.shape.length === 3 && seq.shape[0] !== 1) {
      throw new RangeError(
        `${OP}: give one sequence ([time] token ids, [time, features] or [1, time, features]), got a batch of ${seq.shape[0]}: [${seq.shape.join(", ")}]`,
      );
    }
    const time = seq.shape.length === 3 ? seq.shape[1] : seq.shape[0];
    const states = withOp(() => model.recurrentStates(sequence, layer.name));
    this.hidden = timeByUnits(states.hidden, time, "hidden state");
    this.cell = states.cell ? timeByUnits(states.cell, time, "cell state") : undefined;
    const last = model.layers[model.layers.length - 1].name;
    const [out] = withOp(() => model.activations(sequence, [last]));
    const outShape = out.shape.slice(1);
    const data = Array.prototype.slice.call(
      out.dataSync(),
      0,
      outShape.reduce((a, b) => a * b, 1),
    ) as number[];
    this.output =
      outShape.length === 2 && outShape[0] === time ? { shape: outShape, data } : { shape: [1, data.length], data };
    this.tokens = options.tokens ? [...options.tokens] : tokenLabels(seq, time);
    if (this.tokens.length !== time) {
      throw new RangeError(`${OP}: ${this.tokens.length} tokens for a sequence of ${time} steps`);
    }
    const max = Math.max(time - 1, 1);
    this.step = new IntSlider({ value: Math.min(options.step ?? 0, time - 1), min: 0, max, description: "step t" });
    this.play = new Play({ value: this.step.value, min: 0, max, interval: 600, description: "play" });
    jslink([this.play, "value"], [this.step, "value"]);
    this.previous = new Button({ description: "Prev", icon: "step-backward" });
    this.next = new Button({ description: "Next", icon: "step-forward" });
    // At the PNG's own size: a VBox would stretch it to the cell's width.
    this.view = new Image({ value: this.picture(), layout: { alignSelf: "flex-start" } });
    this.caption = new HTML({ value: this.text() });
    this.widget = new VBox([new HBox([this.play, this.step, this.previous, this.next]), this.caption, this.view]);
    this.step.observe(() => this.refresh());
    this.previous.onClick(() => this.move(-1));
    this.next.onClick(() => this.move(1));
  }

  /** The number of time steps. */
  get time(): number {
    return this.hidden.shape[0];
  }

  /** Moves the step by `delta`, stopping at the first and last step. */
  move(delta: number): void {
    this.step.value = Math.min(this.time - 1, Math.max(0, this.step.value + delta));
  }

  /** What is shown at step `t` (default the current one). */
  at(t = this.step.value): RnnStep {
    const row = (d: Dense, r: number) =>
      (Array.prototype.slice.call(d.data, r * d.shape[1], (r + 1) * d.shape[1]) as number[]).map(Number);
    const perStep = this.output.shape[0] === this.time && this.time > 1;
    return {
      step: t,
      token: this.tokens[t],
      hidden: row(this.hidden, t),
      ...(this.cell ? { cell: row(this.cell, t) } : {}),
      output: row(this.output, perStep ? t : 0),
      perStep,
    };
  }

  /** The current step as a PNG: the tokens with t marked, h_t (and c_t) as heat strips, the output as bars. */
  picture(): Uint8Array {
    const s = this.at();
    const text = lineHeight(TEXT);
    const units = s.hidden.length;
    const cellW = Math.max(6, Math.min(24, Math.floor(480 / units)));
    const strips: [string, number[]][] = [[`h_${s.step}`, s.hidden]];
    if (s.cell) strips.push([`c_${s.step}`, s.cell]);
    const tokenW = Math.max(...this.tokens.map((t) => textWidth(t, TEXT))) + 12;
    const classes = s.output.map((_, k) => this.options.classes?.[k] ?? String(k));
    const labelW = Math.max(...classes.map((c) => textWidth(c, 1.6))) + 6;
    const barRows = Math.min(s.output.length, 20);
    const width = Math.max(
      MARGIN * 2 + this.tokens.length * tokenW,
      MARGIN * 2 + 48 + units * cellW,
      MARGIN * 2 + labelW + 320,
      560,
    );
    const outTop = MARGIN + (text + MARGIN) * 2 + strips.length * (text + 24 + MARGIN);
    const height = outTop + text + MARGIN + barRows * 18 + MARGIN;
    const out = new Raster(width, height);
    drawText(
      out,
      `${this.layerName} (${this.className}), step ${s.step} of ${this.time - 1}: input ${s.token}`,
      MARGIN,
      MARGIN,
      BLACK,
      TEXT,
    );
    let y = MARGIN + text + MARGIN;
    this.tokens.forEach((token, k) => {
      const x = MARGIN + k * tokenW;
      if (k === s.step) out.fill(x - 2, y - 2, tokenW - 4, text + 4, [255, 213, 79]);
      drawText(out, token, x, y, k <= s.step ? BLACK : [170, 170, 170], TEXT);
    });
    y += text + MARGIN;
    const m = Math.max(...strips.flatMap(([, v]) => v.map(Math.abs))) || 1;
    for (const [label, values] of strips) {
      drawText(
        out,
        `${label} (${formatNumber(Math.min(...values))} to ${formatNumber(Math.max(...values))})`,
        MARGIN,
        y,
        BLACK,
        TEXT,
      );
      values.forEach((v, u) =>
        out.fill(MARGIN + u * cellW, y + text + 2, cellW - 1, 20, colorAt("diverging", (v / m + 1) / 2)),
      );
      y += text + 24 + MARGIN;
    }
    drawText(
      out,
      s.perStep ? `output at step ${s.step}` : "final output (the model has one output per sequence)",
      MARGIN,
      outTop,
      BLACK,
      TEXT,
    );
    const high = Math.max(...s.output.map(Math.abs)) || 1;
    const best = s.output.indexOf(Math.max(...s.output));
    for (let k = 0; k < barRows; k++) {
      const by = outTop + text + MARGIN + k * 18;
      drawText(out, classes[k], MARGIN, by, BLACK, 1.6);
      const w = Math.round((Math.abs(s.output[k]) / high) * 260);
      out.fill(MARGIN + labelW, by + 2, w, 12, k === best ? [220, 30, 30] : BAR);
      drawText(out, formatNumber(s.output[k]), MARGIN + labelW + w + 4, by, BLACK, 1.6);
    }
    return encodePng(out);
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return {
      ...widgetBundle(this.widget, { "image/png": Buffer.from(this.picture()).toString("base64") }),
      "text/plain": `RnnStepper: ${this.summary()}`,
    };
  }

  private summary(): string {
    const s = this.at();
    const best = s.output.indexOf(Math.max(...s.output));
    const label = this.options.classes?.[best] ?? String(best);
    return `${this.layerName} (${this.className}) step ${s.step} of ${this.time - 1}, input ${s.token}; ${s.hidden.length} units; ${s.perStep ? "output at this step" : "final output"}: ${label} (${formatNumber(s.output[best])})`;
  }

  private text(): string {
    return `<span class="nnlab-rnn-step" style="font-family:monospace">${escapeHtml(this.summary())}</span>`;
  }

  private refresh(): void {
    this.caption.value = this.text();
    this.view.value = this.picture();
  }
}

/**
 * Shows an RNN stepper for `model` over one `sequence` (`[time]` token ids for a model starting with an
 * Embedding, `[time, features]`, or `[1, time, features]`) and returns it.
 */
export function rnnStepper(model: RnnStepperModel, sequence: TensorLike, options: RnnStepperOptions = {}): RnnStepper {
  const stepper = new RnnStepper(model, sequence, options);
  getDisplaySink().display(stepper[JUPYTER_DISPLAY]());
  return stepper;
}

/** Runs `f`, prefixing the op's name to an error from the model (a sequence of the wrong shape). */
function withOp<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new RangeError(`${OP}: the model could not run the sequence: ${message}`, { cause: error });
  }
}

function timeByUnits(states: TensorLike, time: number, what: string): Dense {
  const dense = toDenseOfRank(states, [2, 3], OP, what);
  const units = dense.shape[dense.shape.length - 1];
  if (dense.data.length !== time * units) {
    throw new RangeError(`${OP}: the ${what} is [${dense.shape.join(", ")}], expected ${time} steps`);
  }
  return { shape: [time, units], data: dense.data };
}

/** A label per step: the token id ([time]), the one-hot index, or the first features. */
function tokenLabels(seq: Dense, time: number): string[] {
  if (seq.shape.length === 1) return Array.from(seq.data, (v) => formatNumber(Number(v)));
  const features = seq.shape[seq.shape.length - 1];
  return Array.from({ length: time }, (_, t) => {
    const v = (Array.prototype.slice.call(seq.data, t * features, (t + 1) * features) as number[]).map(Number);
    const oneHot = features > 1 && v.every((x) => x === 0 || x === 1) && v.filter((x) => x === 1).length === 1;
    if (oneHot) return `#${v.indexOf(1)}`;
    return features <= 2 ? v.map(formatNumber).join(",") : `${v.slice(0, 2).map(formatNumber).join(",")},…`;
  });
}
