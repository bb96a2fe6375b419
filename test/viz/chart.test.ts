import { beforeEach, describe, expect, it } from "vitest";
import { chartOutput, PLOTLY_MIME } from "../../runtime/viz/chart";
import { resetPlotlyCarrier } from "../../runtime/viz/plotly_library";

const figure = { data: [{ type: "scatter", y: [1, 2], name: "</script><b>x" }], layout: { height: 300 } };
const LIBRARY_MARKER = "plotly.js v4";

describe("chart outputs", () => {
  beforeEach(() => resetPlotlyCarrier());

  it("carry the plotly figure JSON and an HTML rendering that guards the library with if (!window.Plotly)", () => {
    const bundle = chartOutput(figure, "a chart").bundle();
    expect(bundle[PLOTLY_MIME]).toEqual(figure);
    expect(bundle["text/plain"]).toBe("a chart");
    const html = bundle["text/html"] as string;
    expect(html).toContain("if (!window.Plotly) {");
    expect(html).toContain(LIBRARY_MARKER);
    expect(html).toContain("window.Plotly.newPlot(");
  });

  it("inline plotly.js in the first chart after a reset only; later charts wait for window.Plotly", () => {
    const first = chartOutput(figure, "first").bundle()["text/html"] as string;
    const second = chartOutput(figure, "second").bundle()["text/html"] as string;
    expect(first.length).toBeGreaterThan(4_000_000);
    expect(second).not.toContain(LIBRARY_MARKER);
    expect(second.length).toBeLessThan(5_000);
    expect(second).toContain("if (ready()) { draw(); return; }");
    resetPlotlyCarrier();
    expect(chartOutput(figure, "third").bundle()["text/html"]).toContain(LIBRARY_MARKER);
  });

  it("decide about the library when shown, not when built: an output never shown takes nothing", () => {
    const unseen = chartOutput(figure, "never shown");
    expect(String(unseen)).toBe("never shown");
    expect(chartOutput(figure, "shown").bundle()["text/html"]).toContain(LIBRARY_MARKER);
  });

  it("escape '<' in the embedded figure so a label cannot end the script", () => {
    const html = chartOutput(figure, "x").bundle()["text/html"] as string;
    const script = html.slice(html.lastIndexOf("<script"));
    expect(script.match(/<\/script>/g)).toHaveLength(1);
    expect(script).toContain("\\u003c/script>\\u003cb>x");
  });

  it("give each chart its own div id", () => {
    const ids = [1, 2].map(
      (k) => (chartOutput(figure, String(k)).bundle()["text/html"] as string).match(/id="([^"]+)"/)![1],
    );
    expect(ids[0]).not.toBe(ids[1]);
  });
});
