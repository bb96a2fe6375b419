/**
 * `interact`, as ipywidgets has it: controls for a function's arguments, built from short descriptions,
 * and an Output that shows what the function returns, prints and displays, run again whenever a control
 * changes.
 */
import { inspect } from "node:util";
import { bundleOf, getDisplaySink, isDisplayable } from "../display";
import { Checkbox, type DOMWidget, Dropdown, FloatSlider, IntSlider, Text, ValueWidget, VBox } from "./controls";
import { Output } from "./output";

/**
 * How one argument is controlled: a widget; a number (a slider around it); `[min, max]` or
 * `[min, max, step]` (an IntSlider when all are integers, else a FloatSlider); a list of labels or a
 * `{ label: value }` object (a Dropdown); a boolean (a Checkbox); a string (a Text field).
 */
export type Abbreviation =
  | ValueWidget<unknown>
  | number
  | readonly [number, number]
  | readonly [number, number, number]
  | readonly string[]
  | boolean
  | string
  | Readonly<Record<string, unknown>>;

/** The value each abbreviation gives the function. */
export type AbbreviationValue<A> =
  A extends ValueWidget<infer V>
    ? V
    : A extends number | readonly [number, number] | readonly [number, number, number]
      ? number
      : A extends readonly string[]
        ? A[number]
        : A extends boolean
          ? boolean
          : A extends string
            ? string
            : A extends Readonly<Record<string, infer V>>
              ? V
              : never;

export type InteractValues<S> = { [K in keyof S]: AbbreviationValue<S[K]> };

/** What `interact` returns: the box it displayed, its controls by name, and the output area. */
export interface Interactive<S> {
  readonly widget: VBox;
  readonly controls: { [K in keyof S]: ValueWidget<AbbreviationValue<S[K]>> };
  readonly output: Output;
  /** Runs the function again with the controls' current values. */
  update(): void;
}

/**
 * Shows controls for `fn`'s arguments and the result of `fn` below them, run again on every change:
 * `widgets.interact(({ stride }) => viz.images(...), { stride: [1, 3] })`.
 */
export function interact<const S extends Record<string, Abbreviation>>(
  fn: (values: InteractValues<S>) => unknown,
  abbreviations: S,
): Interactive<S> {
  const controls = {} as Record<string, ValueWidget<unknown>>;
  for (const [name, abbreviation] of Object.entries(abbreviations)) controls[name] = widgetFor(name, abbreviation);
  const output = new Output();
  const update = () => {
    const values = {} as Record<string, unknown>;
    for (const [name, control] of Object.entries(controls)) values[name] = control.value;
    output.clear();
    output.capture(() => {
      const result = fn(values as InteractValues<S>);
      if (result !== undefined) {
        getDisplaySink().display(
          isDisplayable(result) ? bundleOf(result) : { "text/plain": inspect(result, { depth: 4 }) },
        );
      }
    });
  };
  for (const control of Object.values(controls)) control.observe(update, "value");
  const widget = new VBox([...(Object.values(controls) as DOMWidget[]), output], { layout: {} });
  update();
  getDisplaySink().display(bundleOf(widget));
  return { widget, controls: controls as Interactive<S>["controls"], output, update };
}

/** The control an abbreviation stands for (ipywidgets' rules, with TypeScript's types). */
export function widgetFor(name: string, abbreviation: Abbreviation): ValueWidget<unknown> {
  const description = name;
  if (abbreviation instanceof ValueWidget) return abbreviation;
  if (typeof abbreviation === "boolean") return new Checkbox({ value: abbreviation, description });
  if (typeof abbreviation === "string") return new Text({ value: abbreviation, description });
  if (typeof abbreviation === "number") {
    if (!Number.isFinite(abbreviation))
      throw new RangeError(`interact: ${name} = ${abbreviation} is not a finite number`);
    const spread = abbreviation === 0 ? 1 : Math.abs(abbreviation) * 2;
    const range = { value: abbreviation, min: abbreviation - spread, max: abbreviation + spread, description };
    return Number.isInteger(abbreviation) ? new IntSlider(range) : new FloatSlider({ ...range, step: spread / 100 });
  }
  if (Array.isArray(abbreviation) && abbreviation.every((x) => typeof x === "number")) {
    const [min, max, step] = abbreviation;
    if (abbreviation.length < 2 || abbreviation.length > 3 || !(min <= max)) {
      throw new RangeError(`interact: ${name} = ${JSON.stringify(abbreviation)} is not [min, max] or [min, max, step]`);
    }
    const integer = abbreviation.every(Number.isInteger);
    const options = { min, max, step, value: integer ? Math.round((min + max) / 2) : (min + max) / 2, description };
    if (integer) return new IntSlider({ ...options, step: step ?? 1 });
    return new FloatSlider({ ...options, step: step ?? (max - min) / 100 });
  }
  if (Array.isArray(abbreviation) && abbreviation.every((x) => typeof x === "string")) {
    return new Dropdown({ options: abbreviation, description });
  }
  if (typeof abbreviation === "object" && abbreviation !== null && !Array.isArray(abbreviation)) {
    return new Dropdown<unknown>({ options: abbreviation as Record<string, unknown>, description });
  }
  throw new TypeError(`interact: cannot make a control for ${name} from ${JSON.stringify(abbreviation)}`);
}
