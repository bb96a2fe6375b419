import { readFileSync } from "node:fs";
import { currentOutputScope } from "../display";

/**
 * plotly.js goes into the notebook itself (no network at render time), and it
 * is 4.8 MB minified, so it must not be repeated in every chart. Policy: the
 * first chart shown after `resetPlotlyCarrier()` carries the library, inline
 * and guarded by `if (!window.Plotly)`; every other chart only waits for
 * `window.Plotly`. A new output scope (runtime/display.ts `beginOutputScope`,
 * which the kernel calls when a cell starts executing) resets it too, so each cell run that draws charts carries one copy: a notebook
 * reopened or exported to HTML renders even after cells were re-run in any
 * order, and costs one copy per chart cell instead of one per chart. In plain
 * Node (no kernel) the first chart of the process carries it.
 */
export function resetPlotlyCarrier(): void {
  carrierPending = true;
}

/** True for the first caller after a reset: that chart must include the library. */
export function claimPlotlyCarrier(): boolean {
  const scope = currentOutputScope();
  const carry = carrierPending || scope !== carrierScope;
  carrierPending = false;
  carrierScope = scope;
  return carry;
}

/** `<script>` defining `window.Plotly` unless the page already has it. Read from disk on first use, then cached. */
export function plotlyLibraryScript(): string {
  script ??= `<script type="text/javascript">if (!window.Plotly) {\n${readFileSync(require.resolve("plotly.js-dist-min"), "utf8")}\n}</script>`;
  return script;
}

let carrierPending = true;
let carrierScope = currentOutputScope();
let script: string | undefined;
