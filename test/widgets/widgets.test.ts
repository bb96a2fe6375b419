/**
 * The widgets in plain Node (`import { widgets } from "nnlab/runtime"`), where no front end listens: state,
 * checks with clear errors, observers, selections, interact's controls and the Output widget's capture all
 * work, and nothing is sent. The protocol itself is tested over ZeroMQ in test/kernel/widgets.test.ts.
 */
import { describe, expect, it } from "vitest";
import { display, widgets } from "../../runtime";

describe("widgets in plain Node", () => {
  it("keeps a slider's state, clamps its value and tells observers, in order", () => {
    const slider = new widgets.IntSlider({ value: 3, min: 0, max: 10, description: "stride" });
    const changes: [unknown, unknown][] = [];
    slider.observe(({ old, new: value }) => changes.push([old, value]));
    slider.value = 5;
    slider.value = 50;
    slider.value = 10;
    expect(slider.value).toBe(10);
    expect(changes).toEqual([
      [3, 5],
      [5, 10],
    ]);
    expect(String(slider)).toBe("IntSlider(value=10, min=0, max=10, step=1)");
    expect(slider.modelId).toMatch(/^detached-/);
  });

  it("refuses bad values with an error naming the widget and the attribute; the state stays", () => {
    const slider = new widgets.IntSlider({ description: "stride", value: 2 });
    expect(() => (slider.value = 1.5)).toThrow('IntSlider "stride": value must be an integer, got 1.5');
    expect(() => slider.set({ min: 200 })).toThrow('IntSlider "stride": min (200) is larger than max (100)');
    expect(() => (slider.value = Number.NaN)).toThrow("value must be a finite number");
    expect(slider.value).toBe(2);
    expect(() => new widgets.Dropdown({ options: ["a", "b"], value: "c" })).toThrow(
      'value "c" is not one of the options',
    );
    const checkbox = new widgets.Checkbox();
    expect(() => checkbox.set({ value: "yes" })).toThrow("Checkbox: value must be true or false");
  });

  it("selects by index in the front end and by value in the kernel; observers of value hear index changes", () => {
    const dropdown = new widgets.Dropdown({
      options: { small: 8, large: 64 },
      description: "units",
    });
    const values: unknown[] = [];
    dropdown.observe(({ new: value }) => values.push(value));
    expect([dropdown.value, dropdown.label, dropdown.index]).toEqual([8, "small", 0]);
    dropdown.set({ index: 1 });
    expect([dropdown.value, dropdown.label]).toEqual([64, "large"]);
    dropdown.value = 8;
    expect(values).toEqual([64, 8]);
    expect(() => dropdown.set({ index: 2 })).toThrow("index 2 is not between 0 and 1");
  });

  it("makes interact's controls from abbreviations as ipywidgets does and reruns the function on change", () => {
    const calls: unknown[] = [];
    const shown = widgets.interact(
      (values) => {
        calls.push(values);
        return values.n * 2;
      },
      { n: [1, 9] as const, rate: [0, 1, 0.25] as const, act: ["relu", "tanh"], bias: true, x: 10 },
    );
    const { n, rate, act, bias, x } = shown.controls;
    expect([n, rate, act, bias, x].map((c) => c.constructor.name)).toEqual([
      "IntSlider",
      "FloatSlider",
      "Dropdown",
      "Checkbox",
      "IntSlider",
    ]);
    expect([
      (x as InstanceType<typeof widgets.IntSlider>).min,
      (x as InstanceType<typeof widgets.IntSlider>).max,
    ]).toEqual([-10, 30]);
    expect(calls).toEqual([{ n: 5, rate: 0.5, act: "relu", bias: true, x: 10 }]);
    n.value = 7;
    expect(calls.at(-1)).toMatchObject({ n: 7 });
    expect(shown.output.outputs).toEqual([{ output_type: "display_data", data: { "text/plain": "14" }, metadata: {} }]);
    expect(() => widgets.interact(() => 0, { bad: [3, 1] })).toThrow(
      "bad = [3,1] is not [min, max] or [min, max, step]",
    );
  });

  it("captures writes and displays into an Output widget and restores the streams afterwards", () => {
    const out = new widgets.Output();
    // eslint-disable-next-line @typescript-eslint/unbound-method -- compared, never called
    const write = process.stdout.write;
    const returned = out.capture(() => {
      process.stdout.write("one ");
      process.stdout.write("two\n");
      process.stderr.write("careful\n");
      return 42;
    });
    expect(returned).toBe(42);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- compared, never called
    expect(process.stdout.write).toBe(write);
    expect(out.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "one two\n" },
      { output_type: "stream", name: "stderr", text: "careful\n" },
    ]);
    out.clear();
    expect(out.outputs).toEqual([]);
  });

  it("shows a widget as its view plus text/plain, and a Button's click runs its handlers", () => {
    const button = new widgets.Button({ description: "Stop" });
    let clicks = 0;
    button.onClick(() => clicks++);
    button.click();
    expect(clicks).toBe(1);
    expect(display.bundleOf(button)).toEqual({
      "text/plain": 'Button(description="Stop")',
      "application/vnd.jupyter.widget-view+json": { version_major: 2, version_minor: 1, model_id: button.modelId },
    });
  });
});
