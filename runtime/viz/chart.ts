import { newDisplayId } from "../display";
import { VizOutput } from "./output";
import { claimPlotlyCarrier, plotlyLibraryScript } from "./plotly_library";

/** A plotly figure as plotly.js and JupyterLab's plotly renderer take it. */
export interface PlotlyFigure {
  readonly data: readonly Record<string, unknown>[];
  readonly layout: Record<string, unknown>;
}

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** A chart output: the plotly JSON (for JupyterLab's plotly extension) and offline HTML (everywhere else). */
export function chartOutput(figure: PlotlyFigure, text: string): VizOutput {
  return new VizOutput(text, () => chartBundle(figure, claimPlotlyCarrier()));
}

/** The rich part of a chart's bundle; `carryLibrary` inlines plotly.js (see plotly_library.ts). */
export function chartBundle(figure: PlotlyFigure, carryLibrary: boolean): Record<string, unknown> {
  return { [PLOTLY_MIME]: figure, "text/html": chartHtml(figure, carryLibrary) };
}

/**
 * A div and a script that draws the figure once `window.Plotly` exists and
 * the div is in the page (JupyterLab may run output scripts before attaching
 * the output), and says so in the div if plotly.js never arrives.
 */
function chartHtml(figure: PlotlyFigure, carryLibrary: boolean): string {
  const id = newDisplayId("nnlab-plot");
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 400;
  const json = JSON.stringify(figure).replace(/</g, "\\u003c");
  return [
    `<div id="${id}" class="nnlab-plotly" style="width:100%;min-width:320px;height:${height}px"></div>`,
    carryLibrary ? plotlyLibraryScript() : "",
    `<script type="text/javascript">
(function () {
  var fig = ${json};
  var host = document.currentScript && document.currentScript.parentNode;
  var el = null;
  var waited = 0;
  function ready() {
    el = el || document.getElementById("${id}") || (host && host.querySelector("#${id}"));
    return window.Plotly && el && el.isConnected;
  }
  function draw() { window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false }); }
  if (ready()) { draw(); return; }
  var timer = setInterval(function () {
    if (ready()) { clearInterval(timer); draw(); }
    else if ((waited += 50) >= 30000) {
      clearInterval(timer);
      if (el) el.textContent = "plotly.js is not on this page: re-run this cell to draw the chart.";
    }
  }, 50);
})();
</script>`,
  ].join("\n");
}
