import { readFileSync } from "node:fs";

/**
 * plotly.js goes into the notebook itself (no network at render time), and it
 * is 4.8 MB minified, so it must not be repeated in every chart. Policy: the
 * first chart shown after `resetPlotlyCarrier()` carries the library, inline
 * and guarded by `if (!window.Plotly)`; every other chart only waits for
 * `window.Plotly`. The kernel calls `resetPlotlyCarrier()` when a cell starts
 * executing, so each cell run that draws charts carries one copy: a notebook
 * reopened or exported to HTML renders even after cells were re-run in any
 * order, and costs one copy per chart cell instead of one per chart. In plain
 * Node (no kernel) the first chart of the process carries it.
 */
export function resetPlotlyCarrier(): void {
  carrierPending = true;
}

/** True for the first caller after a reset: that chart must include the library. */
export function claimPlotlyCarrier(): boolean {
  const carry = carrierPending;
  carrierPending = false;
  return carry;
}

/** `<script>` defining `window.Plotly` unless the page already has it. Read from disk on first use, then cached. */
export function plotlyLibraryScript(): string {
  script ??= `<script type="text/javascript">if (!window.Plotly) {\n${readFileSync(require.resolve("plotly.js-dist-min"), "utf8")}\n}</script>`;
  return script;
}

let carrierPending = true;
let script: string | undefined;
