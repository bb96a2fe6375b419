import { beforeEach, describe, expect, it } from "vitest";
import type { DisplayOptions, DisplaySink, MimeBundle } from "../../runtime/display";
import { PLOTLY_MIME, type PlotlyFigure } from "../../runtime/viz/chart";
import { LiveCurves } from "../../runtime/viz/live";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";

/** A display sink that records what it is sent. */
function recordingSink(rich = true) {
  const sent: { bundle: MimeBundle; options?: DisplayOptions }[] = [];
  const sink: DisplaySink = {
    rich,
    display: (bundle, options) => void sent.push({ bundle, options }),
    clearOutput() {},
  };
  return { sink, sent };
}

const LIBRARY_MARKER = "plotly.js v4";

describe("LiveCurves", () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 0;
    resetPlotlyCarrier();
  });

  it("displays once at start, then updates the same display id", () => {
    const { sink, sent } = recordingSink();
    const live = LiveCurves.start({ stepsPerEpoch: 2, sink, now, displayId: "curves-1" });
    live.onEpochBegin(0);
    clock = 1000;
    live.onBatchEnd(0, { loss: 1 });
    live.onTrainEnd();
    expect(sent.map((s) => s.options)).toEqual([
      { displayId: "curves-1", update: false },
      { displayId: "curves-1", update: true },
      { displayId: "curves-1", update: true },
    ]);
  });

  it("sends at most one update per throttle interval, whatever the number of batches", () => {
    const { sink, sent } = recordingSink();
    const live = LiveCurves.start({ stepsPerEpoch: 100, sink, now, throttleMs: 300 });
    live.onEpochBegin(0);
    for (let b = 0; b < 100; b++) {
      clock = b * 10; // 100 batches over 990 ms
      live.onBatchEnd(b, { loss: 1 / (b + 1) });
    }
    // The initial display at t=0, then updates at 300, 600 and 900 ms.
    expect(sent).toHaveLength(4);
  });

  it("always sends a final update at train end, with every point, which stays as the output", () => {
    const { sink, sent } = recordingSink();
    const live = LiveCurves.start({ stepsPerEpoch: 2, epochs: 2, sink, now, throttleMs: 10_000, smoothing: 0 });
    for (let e = 0; e < 2; e++) {
      live.onEpochBegin(e);
      live.onBatchEnd(0, { batch: 0, size: 32, loss: 1 - e / 2, accuracy: 0.5 });
      live.onBatchEnd(1, { loss: 0.9 - e / 2, accuracy: 0.6 });
      live.onEpochEnd(e, { loss: 0.95 - e / 2, accuracy: 0.55, val_loss: 1 - e / 4, val_accuracy: 0.5 });
    }
    expect(sent).toHaveLength(1);
    live.onTrainEnd();
    live.onTrainEnd();
    expect(sent).toHaveLength(2);
    const final = sent[1];
    expect(final.options).toMatchObject({ update: true });
    const figure = final.bundle[PLOTLY_MIME] as PlotlyFigure;
    const trace = (name: string, axis: string) => figure.data.find((t) => t.name === name && t.yaxis === axis);
    expect(trace("train (per batch, smoothed)", "y")).toMatchObject({ x: [0.5, 1, 1.5, 2], y: [1, 0.9, 0.5, 0.4] });
    expect(trace("train", "y")).toMatchObject({ x: [1, 2], y: [0.95, 0.45] });
    expect(trace("validation", "y")).toMatchObject({ x: [1, 2], y: [1, 0.75] });
    expect(trace("validation", "y2")).toMatchObject({ y: [0.5, 0.5] });
    expect(figure.layout).toMatchObject({
      yaxis: { title: { text: "loss" } },
      yaxis2: { title: { text: "accuracy" } },
    });
    expect(figure.data.map((t) => t.yaxis)).not.toContain("y3"); // "batch" and "size" are counters, not curves
    expect(final.bundle["text/plain"]).toBe(
      "training curves (finished): epoch 2/2, loss 0.45, accuracy 0.55, val_loss 0.75, val_accuracy 0.5",
    );
  });

  it("spans the x axis over the planned epochs from its first display, so the curves fill it from the left", () => {
    const { sink, sent } = recordingSink();
    const live = LiveCurves.start({ stepsPerEpoch: 4, epochs: 3, sink, now, throttleMs: 0 });
    live.onEpochBegin(0);
    live.onBatchEnd(0, { loss: 1 });
    const figures = sent.map((s) => s.bundle[PLOTLY_MIME] as PlotlyFigure);
    expect(figures.map((f) => f.layout.xaxis)).toEqual(
      figures.map((): unknown => expect.objectContaining({ range: [0, 3], dtick: 1 })),
    );
  });

  it("smooths per-batch values without pulling the first points towards zero", () => {
    const { sink, sent } = recordingSink();
    const live = LiveCurves.start({ stepsPerEpoch: 3, sink, now, smoothing: 0.5 });
    live.onEpochBegin(0);
    [2, 2, 4].forEach((v, b) => live.onBatchEnd(b, { loss: v }));
    live.onTrainEnd();
    const figure = sent[sent.length - 1].bundle[PLOTLY_MIME] as PlotlyFigure;
    // EMA 1, 1.5, 2.75 divided by 1 - 0.5^n: 2, 2, 3.1429.
    expect(figure.data[0].y).toEqual([2, 2, 3.143]);
  });

  it("carries plotly.js in its first and final outputs only, when it is the first chart of the cell", () => {
    const { sink, sent } = recordingSink();
    const live = LiveCurves.start({ stepsPerEpoch: 1, sink, now, throttleMs: 0 });
    live.onEpochBegin(0);
    live.onBatchEnd(0, { loss: 1 });
    live.onTrainEnd();
    const html = sent.map((s) => s.bundle["text/html"] as string);
    expect(html.map((h) => h.includes(LIBRARY_MARKER))).toEqual([true, false, true]);
    expect(html.map((h) => h.includes("if (!window.Plotly)"))).toEqual([true, false, true]);
  });

  it("prints only the final summary to a text-only sink", () => {
    const { sink, sent } = recordingSink(false);
    const live = LiveCurves.start({ stepsPerEpoch: 1, sink, now, throttleMs: 0 });
    live.onEpochBegin(0);
    live.onBatchEnd(0, { loss: 1 });
    live.onEpochEnd(0, { loss: 1 });
    live.onTrainEnd();
    expect(sent.map((s) => s.bundle["text/plain"])).toEqual(["training curves (finished): epoch 1, loss 1"]);
  });

  it("needs the number of batches per epoch", () => {
    expect(() => LiveCurves.start({ stepsPerEpoch: 0, sink: recordingSink().sink })).toThrow(
      "LiveCurves: stepsPerEpoch must be a positive number of batches, got 0",
    );
  });
});
