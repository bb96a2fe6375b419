/**
 * The standard controls, as ipywidgets 8 defines them: the same model and view names in the same front-end
 * modules (@jupyter-widgets/controls 2.0.0, base 2.0.0, output 1.0.0), so JupyterLab's and Notebook's widget
 * managers render them. Options are camelCase (`continuousUpdate`); the state on the wire keeps the
 * protocol's snake_case names (`continuous_update`), which `get`/`set`/`observe` use.
 */
import type { CommData } from "../comm";
import { MODULES, type ModelSpec, type Observer, WidgetModel, type WidgetState } from "./model";

const { base, controls } = MODULES;

function controlSpec(name: string, view: string | null = name): ModelSpec {
  return { model: `${name}Model`, module: controls, view: view === null ? null : `${view}View`, viewModule: controls };
}

/** camelCase option names to the protocol's snake_case attribute names; undefined options are dropped. */
function toState(options: object): WidgetState {
  const state: WidgetState = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) state[toAttribute(key)] = value;
  }
  return state;
}

/**
 * Properties that read and write a synced attribute (`selectedIndex` is the attribute `selected_index`);
 * the class declares their types with `declare`.
 */
function defineTraits(cls: { prototype: WidgetModel }, names: string[]): void {
  for (const name of names) {
    const attribute = toAttribute(name);
    Object.defineProperty(cls.prototype, name, {
      get(this: WidgetModel) {
        return this.get(attribute);
      },
      set(this: WidgetModel, value: unknown) {
        this.set({ [attribute]: value });
      },
      configurable: true,
    });
  }
}

function toAttribute(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A box model's CSS layout (width, height, margin...), every front-end view has one. */
export class Layout extends WidgetModel {
  constructor(options: Record<string, string | null> = {}) {
    super({ model: "LayoutModel", module: base, view: "LayoutView", viewModule: base }, toState(options));
  }
}

/** A widget's style attributes (description width, colors...); which ones depends on the widget. */
export class Style extends WidgetModel {
  constructor(model: string, options: Record<string, string | null> = {}) {
    super({ model, module: controls, view: "StyleView", viewModule: base }, toState(options));
  }
}

export interface DOMWidgetOptions {
  /** CSS layout, e.g. `{ width: "400px" }`. */
  layout?: Record<string, string | null>;
  tooltip?: string | null;
}

/** A widget the front end shows. */
export class DOMWidget extends WidgetModel {
  readonly layout: Layout;

  constructor(spec: ModelSpec, state: WidgetState, options: DOMWidgetOptions = {}, styleModel?: string) {
    const layout = new Layout(options.layout);
    const style = styleModel ? { style: new Style(styleModel) } : {};
    super(spec, { _dom_classes: [], tabbable: null, tooltip: options.tooltip ?? null, layout, ...style, ...state });
    this.layout = layout;
  }

  get style(): Style | undefined {
    const style = this.get("style");
    return style instanceof Style ? style : undefined;
  }
}

export interface DescriptionOptions extends DOMWidgetOptions {
  /** The label shown beside the control. */
  description?: string;
  disabled?: boolean;
}

/** A control with a `value` and a `description`. */
export class ValueWidget<T> extends DOMWidget {
  get value(): T {
    return this.get("value") as T;
  }

  set value(value: T) {
    this.set({ value });
  }

  /** The label shown beside the control. */
  declare description: string;
  declare disabled: boolean;
  static {
    defineTraits(this, ["description", "disabled"]);
  }

  /** Calls `callback` with each new value of `value` (or of the attributes named). */
  override observe<V = T>(callback: Observer<V>, names: string | string[] = "value"): this {
    return super.observe(callback, names);
  }
}

function descriptionState(options: DescriptionOptions): WidgetState {
  return { description: options.description ?? "", description_allow_html: false, disabled: options.disabled ?? false };
}

export interface SliderOptions<T> extends DescriptionOptions {
  value?: T;
  min?: number;
  max?: number;
  step?: number;
  /** Send values while the handle moves (default), or only when it is released. */
  continuousUpdate?: boolean;
  orientation?: "horizontal" | "vertical";
  readout?: boolean;
  /** A d3-format string, e.g. `".3f"`. */
  readoutFormat?: string;
}

abstract class NumberRange<T> extends ValueWidget<T> {
  declare min: number;
  declare max: number;
  declare step: number;
  static {
    defineTraits(this, ["min", "max", "step"]);
  }

  protected abstract get integer(): boolean;

  protected override validate(changes: WidgetState): WidgetState {
    for (const name of ["min", "max", "step"]) if (name in changes) this.checkNumber(name, changes[name]);
    const min = (changes.min ?? this.get("min")) as number;
    const max = (changes.max ?? this.get("max")) as number;
    if (min > max) throw new RangeError(`${this.widgetName()}: min (${min}) is larger than max (${max})`);
    const value = "value" in changes ? changes.value : this.get("value");
    if (value !== undefined) changes.value = this.clampValue(value, min, max);
    return changes;
  }

  protected checkNumber(name: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(`${this.widgetName()}: ${name} must be a finite number, got ${JSON.stringify(value)}`);
    }
    if (this.integer && !Number.isInteger(value)) {
      throw new TypeError(`${this.widgetName()}: ${name} must be an integer, got ${value}`);
    }
    return value;
  }

  protected abstract clampValue(value: unknown, min: number, max: number): unknown;

  protected override describe(): string {
    return `value=${JSON.stringify(this.value)}, min=${this.min}, max=${this.max}, step=${this.step}`;
  }
}

function sliderState<T>(options: SliderOptions<T>, defaults: { value: T; step: number; format: string }): WidgetState {
  return {
    ...descriptionState(options),
    value: options.value ?? defaults.value,
    min: options.min ?? 0,
    max: options.max ?? 100,
    step: options.step ?? defaults.step,
    behavior: "drag-tap",
    continuous_update: options.continuousUpdate ?? true,
    orientation: options.orientation ?? "horizontal",
    readout: options.readout ?? true,
    readout_format: options.readoutFormat ?? defaults.format,
  };
}

abstract class Slider extends NumberRange<number> {
  protected clampValue(value: unknown, min: number, max: number): number {
    return Math.min(max, Math.max(min, this.checkNumber("value", value)));
  }
}

/** A slider of integers: `new widgets.IntSlider({ value: 1, min: 1, max: 4, description: "stride" })`. */
export class IntSlider extends Slider {
  protected get integer(): boolean {
    return true;
  }

  constructor(options: SliderOptions<number> = {}) {
    super(
      controlSpec("IntSlider"),
      sliderState(options, { value: 0, step: 1, format: "d" }),
      options,
      "SliderStyleModel",
    );
  }
}

/** A slider of numbers: `new widgets.FloatSlider({ value: 0.01, min: 0, max: 0.1, step: 0.001 })`. */
export class FloatSlider extends Slider {
  protected get integer(): boolean {
    return false;
  }

  constructor(options: SliderOptions<number> = {}) {
    super(
      controlSpec("FloatSlider"),
      sliderState(options, { value: 0, step: 0.1, format: ".2f" }),
      options,
      "SliderStyleModel",
    );
  }
}

/** A slider with two handles; `value` is `[low, high]`. */
export class IntRangeSlider extends NumberRange<[number, number]> {
  protected get integer(): boolean {
    return true;
  }

  constructor(options: SliderOptions<[number, number]> = {}) {
    const min = options.min ?? 0;
    const max = options.max ?? 100;
    const value = options.value ?? [Math.round(min + (max - min) / 4), Math.round(min + ((max - min) * 3) / 4)];
    super(
      controlSpec("IntRangeSlider"),
      sliderState({ ...options, value }, { value, step: 1, format: "d" }),
      options,
      "SliderStyleModel",
    );
  }

  protected clampValue(value: unknown, min: number, max: number): [number, number] {
    if (!Array.isArray(value) || value.length !== 2) {
      throw new TypeError(`${this.widgetName()}: value must be [low, high], got ${JSON.stringify(value)}`);
    }
    const [low, high] = value.map((v) => Math.min(max, Math.max(min, this.checkNumber("value", v))));
    if (low > high) throw new RangeError(`${this.widgetName()}: low (${low}) is larger than high (${high})`);
    return [low, high];
  }
}

export interface PlayOptions extends SliderOptions<number> {
  /** Milliseconds between steps. */
  interval?: number;
  repeat?: boolean;
  showRepeat?: boolean;
}

/** Play/pause buttons that step `value` from `min` to `max` in the front end (link it to a slider). */
export class Play extends Slider {
  protected get integer(): boolean {
    return true;
  }

  constructor(options: PlayOptions = {}) {
    super(
      controlSpec("Play"),
      {
        ...descriptionState(options),
        value: options.value ?? 0,
        min: options.min ?? 0,
        max: options.max ?? 100,
        step: options.step ?? 1,
        interval: options.interval ?? 100,
        playing: false,
        repeat: options.repeat ?? false,
        show_repeat: options.showRepeat ?? true,
      },
      options,
      "DescriptionStyleModel",
    );
  }
}

export type SelectionOptionsList<V> = readonly (string | readonly [string, V])[] | Readonly<Record<string, V>>;

export interface SelectionOptions<V> extends DescriptionOptions {
  /** Labels, `[label, value]` pairs, or `{ label: value }`. */
  options: SelectionOptionsList<V>;
  /** The value selected first (default the first option's). */
  value?: V;
}

/** Options as labels and values. */
function labelledOptions<V>(options: SelectionOptionsList<V>): { labels: string[]; values: V[] } {
  const pairs: [string, V][] = Array.isArray(options)
    ? (options as readonly (string | readonly [string, V])[]).map((o) =>
        typeof o === "string" ? [o, o as unknown as V] : [o[0], o[1]],
      )
    : Object.entries(options as Readonly<Record<string, V>>);
  return { labels: pairs.map(([label]) => String(label)), values: pairs.map(([, value]) => value) };
}

/** One of several options; the front end selects by `index`, the kernel also keeps `value` and `label`. */
abstract class Selection<V> extends ValueWidget<V> {
  private values: V[];

  constructor(spec: ModelSpec, options: SelectionOptions<V>, extra: WidgetState, style: string) {
    const { labels, values } = labelledOptions(options.options);
    const found = options.value === undefined ? 0 : values.findIndex((v) => Object.is(v, options.value));
    if (found < 0)
      throw new RangeError(
        `${spec.model.replace(/Model$/, "")}: value ${JSON.stringify(options.value)} is not one of the options`,
      );
    super(
      spec,
      { ...descriptionState(options), _options_labels: labels, index: labels.length > 0 ? found : null, ...extra },
      options,
      style,
    );
    this.values = values;
  }

  override get value(): V {
    const index = this.index;
    return (index === null ? undefined : this.values[index]) as V;
  }

  override set value(value: V) {
    const index = this.values.findIndex((v) => Object.is(v, value));
    if (index < 0) throw new RangeError(`${this.widgetName()}: ${JSON.stringify(value)} is not one of the options`);
    this.set({ index });
  }

  get label(): string | undefined {
    const index = this.index;
    return index === null ? undefined : (this.get("_options_labels") as string[])[index];
  }

  get index(): number | null {
    return this.get("index") as number | null;
  }

  set index(index: number | null) {
    this.set({ index });
  }

  get options(): { label: string; value: V }[] {
    return (this.get("_options_labels") as string[]).map((label, i) => ({ label, value: this.values[i] }));
  }

  set options(options: SelectionOptionsList<V>) {
    const { labels, values } = labelledOptions(options);
    this.values = values;
    this.set({ _options_labels: labels, index: labels.length > 0 ? 0 : null });
  }

  protected override validate(changes: WidgetState): WidgetState {
    if ("index" in changes && changes.index !== null) {
      const count = ((changes._options_labels ?? this.get("_options_labels")) as string[]).length;
      const index = changes.index;
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(`${this.widgetName()}: index ${JSON.stringify(index)} is not between 0 and ${count - 1}`);
      }
    }
    return changes;
  }

  /** A change of `index` is also a change of `value` and `label` for observers. */
  protected override notify(name: string, old: unknown, value: unknown): void {
    super.notify(name, old, value);
    if (name !== "index") return;
    const labels = this.get("_options_labels") as string[];
    const at = (i: unknown) => (typeof i === "number" ? i : -1);
    super.notify("value", this.values[at(old)], this.values[at(value)]);
    super.notify("label", labels[at(old)], labels[at(value)]);
  }

  protected override describe(): string {
    return `value=${JSON.stringify(this.value)}, options=${JSON.stringify(this.get("_options_labels"))}`;
  }
}

/** A drop-down list: `new widgets.Dropdown({ options: ["relu", "tanh"], description: "activation" })`. */
export class Dropdown<V = string> extends Selection<V> {
  constructor(options: SelectionOptions<V>) {
    super(controlSpec("Dropdown"), options, {}, "DescriptionStyleModel");
  }
}

export interface ToggleButtonsOptions<V> extends SelectionOptions<V> {
  /** "", "primary", "success", "info", "warning" or "danger". */
  buttonStyle?: ButtonStyle;
  tooltips?: string[];
}

/** A row of buttons of which one is pressed. */
export class ToggleButtons<V = string> extends Selection<V> {
  constructor(options: ToggleButtonsOptions<V>) {
    super(
      controlSpec("ToggleButtons"),
      options,
      { button_style: options.buttonStyle ?? "", icons: [], tooltips: options.tooltips ?? [] },
      "ToggleButtonsStyleModel",
    );
  }
}

export interface CheckboxOptions extends DescriptionOptions {
  value?: boolean;
  /** Leave room for a description to the left (default true). */
  indent?: boolean;
}

export class Checkbox extends ValueWidget<boolean> {
  constructor(options: CheckboxOptions = {}) {
    super(
      controlSpec("Checkbox"),
      { ...descriptionState(options), value: options.value ?? false, indent: options.indent ?? true },
      options,
      "CheckboxStyleModel",
    );
  }

  protected override validate(changes: WidgetState): WidgetState {
    if ("value" in changes && typeof changes.value !== "boolean") {
      throw new TypeError(`${this.widgetName()}: value must be true or false, got ${JSON.stringify(changes.value)}`);
    }
    return changes;
  }
}

export type ButtonStyle = "" | "primary" | "success" | "info" | "warning" | "danger";

export interface ButtonOptions extends DescriptionOptions {
  buttonStyle?: ButtonStyle;
  /** A Font Awesome icon name, e.g. "stop". */
  icon?: string;
}

/** A button; `onClick(handler)` runs `handler` each time it is clicked in the front end. */
export class Button extends DOMWidget {
  private readonly clickHandlers: ((button: Button) => void)[] = [];

  constructor(options: ButtonOptions = {}) {
    super(
      controlSpec("Button"),
      {
        description: options.description ?? "",
        disabled: options.disabled ?? false,
        button_style: options.buttonStyle ?? "",
        icon: options.icon ?? "",
      },
      options,
      "ButtonStyleModel",
    );
    this.onCustom((content: CommData) => {
      if (content.event === "click") this.click();
    });
  }

  /** The button's text. */
  declare description: string;
  declare disabled: boolean;
  static {
    defineTraits(this, ["description", "disabled"]);
  }

  onClick(handler: (button: Button) => void): this {
    this.clickHandlers.push(handler);
    return this;
  }

  /** What a click in the front end does: every click handler runs. */
  click(): void {
    for (const handler of [...this.clickHandlers]) handler(this);
  }

  protected override describe(): string {
    return `description=${JSON.stringify(this.description)}`;
  }
}

export interface TextOptions extends DescriptionOptions {
  value?: string;
  placeholder?: string;
  continuousUpdate?: boolean;
}

/** A one-line text field. */
export class Text extends ValueWidget<string> {
  constructor(options: TextOptions = {}) {
    super(
      controlSpec("Text"),
      {
        ...descriptionState(options),
        value: options.value ?? "",
        placeholder: options.placeholder ?? "\u200b",
        continuous_update: options.continuousUpdate ?? true,
      },
      options,
      "TextStyleModel",
    );
  }
}

export interface LabelOptions extends DOMWidgetOptions {
  value?: string;
  description?: string;
}

function stringState(options: LabelOptions): WidgetState {
  return {
    value: options.value ?? "",
    description: options.description ?? "",
    description_allow_html: false,
    placeholder: "\u200b",
  };
}

/** Text shown as it is (no HTML). */
export class Label extends ValueWidget<string> {
  constructor(options: LabelOptions = {}) {
    super(controlSpec("Label"), stringState(options), options, "LabelStyleModel");
  }
}

/** HTML shown in the front end: `new widgets.HTML({ value: "<b>loss</b> 0.31" })`. */
export class HTML extends ValueWidget<string> {
  constructor(options: LabelOptions = {}) {
    super(controlSpec("HTML"), stringState(options), options, "HTMLStyleModel");
  }
}

export interface ImageOptions extends DOMWidgetOptions {
  /** The image file's bytes (PNG unless `format` says otherwise); they travel as a binary buffer. */
  value?: Uint8Array;
  format?: "png" | "jpeg" | "gif" | "svg+xml";
  /** CSS width and height, e.g. "280px" (default: the image's own size). */
  width?: string;
  height?: string;
}

/** An image from its file bytes; set `value` to new bytes to redraw it. */
export class Image extends ValueWidget<Uint8Array> {
  constructor(options: ImageOptions = {}) {
    super(
      controlSpec("Image"),
      {
        value: options.value ?? new Uint8Array(0),
        format: options.format ?? "png",
        width: options.width ?? "",
        height: options.height ?? "",
      },
      options,
    );
  }

  protected override validate(changes: WidgetState): WidgetState {
    if ("value" in changes && !(changes.value instanceof Uint8Array)) {
      throw new TypeError(
        `Image: value must be the image's bytes (a Uint8Array or Buffer), got ${typeof changes.value}`,
      );
    }
    return changes;
  }

  protected override describe(): string {
    return `${this.value.length} bytes of ${String(this.get("format"))}`;
  }
}

export interface BoxOptions extends DOMWidgetOptions {
  /** "", "success", "info", "warning" or "danger". */
  boxStyle?: string;
}

abstract class Container extends DOMWidget {
  declare children: DOMWidget[];
  static {
    defineTraits(this, ["children"]);
  }

  protected override validate(changes: WidgetState): WidgetState {
    if ("children" in changes) {
      const children = changes.children;
      if (!Array.isArray(children) || !children.every((c) => c instanceof DOMWidget)) {
        throw new TypeError(`${this.widgetName()}: children must be widgets`);
      }
    }
    return changes;
  }

  protected override describe(): string {
    return `children=[${this.children.map(String).join(", ")}]`;
  }
}

/** Widgets side by side. */
export class HBox extends Container {
  constructor(children: DOMWidget[] = [], options: BoxOptions = {}) {
    super(controlSpec("HBox"), { children, box_style: options.boxStyle ?? "" }, options);
  }
}

/** Widgets one under another. */
export class VBox extends Container {
  constructor(children: DOMWidget[] = [], options: BoxOptions = {}) {
    super(controlSpec("VBox"), { children, box_style: options.boxStyle ?? "" }, options);
  }
}

export interface TabOptions extends BoxOptions {
  titles?: string[];
  selectedIndex?: number;
}

/** Widgets on tabs, one shown at a time. */
export class Tab extends Container {
  constructor(children: DOMWidget[] = [], options: TabOptions = {}) {
    super(
      controlSpec("Tab"),
      {
        children,
        box_style: options.boxStyle ?? "",
        titles: options.titles ?? children.map((_, i) => `Tab ${i}`),
        selected_index: children.length > 0 ? (options.selectedIndex ?? 0) : null,
      },
      options,
    );
  }

  /** The tab shown. */
  declare selectedIndex: number | null;
  static {
    defineTraits(this, ["selectedIndex"]);
  }
}

/**
 * Keeps `target`'s attribute equal to `source`'s in the front end (ipywidgets' `jslink`): a Play button
 * driving a slider moves without a round trip through the kernel, which still hears both values.
 */
export function jslink(source: [WidgetModel, string], target: [WidgetModel, string]): WidgetModel {
  for (const [widget, name] of [source, target]) {
    if (widget.get(name) === undefined) throw new RangeError(`jslink: ${String(widget)} has no attribute "${name}"`);
  }
  return new WidgetModel(controlSpec("Link", null), { source, target });
}
