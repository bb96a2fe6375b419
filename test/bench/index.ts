/**
 * `npm run bench`: every benchmark section in one run, printed as figures with ratios to the baselines.
 * `node dist/test/bench/index.js kernel ops` runs only the named sections.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";

interface Section {
  name: string;
  /** The module beside this file, and the function in it that returns the section's report. */
  module: string;
  run: string;
}

/** Sections whose module is not built yet (another part of the project) are reported as absent. */
const SECTIONS: Section[] = [
  { name: "kernel", module: "./kernel", run: "runKernelBench" },
  { name: "ops", module: "./ops", run: "runOpBench" },
  { name: "wasm", module: "./wasm", run: "runWasmBench" },
  { name: "training", module: "./training", run: "runTrainingBench" },
  { name: "accuracy", module: "./accuracy", run: "runAccuracyBench" },
  { name: "figures", module: "./figures", run: "runFiguresBench" },
  { name: "soak", module: "./soak", run: "runSoak" },
  { name: "hub", module: "./hub", run: "runHubSoak" },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length) {
    throw new Error(`unknown bench section ${unknown.join(", ")}; sections: ${SECTIONS.map((s) => s.name).join(", ")}`);
  }
  let failed = false;
  for (const section of SECTIONS.filter((s) => wanted.length === 0 || wanted.includes(s.name))) {
    console.log(`\n== ${section.name} ==`);
    if (!existsSync(path.join(__dirname, `${section.module}.js`))) {
      console.log(`(absent: ${section.module}.ts is not part of this build)`);
      continue;
    }
    const started = performance.now();
    try {
      // A dynamic import() stays an ES import in the CommonJS build, and those need the file name in full.
      const run = ((await import(`${section.module}.js`)) as Record<string, unknown>)[section.run];
      if (typeof run !== "function") throw new Error(`${section.module} does not export ${section.run}()`);
      console.log(await (run as () => string | Promise<string>)());
    } catch (error) {
      failed = true;
      console.log(`FAILED: ${(error as Error).stack ?? String(error)}`);
    }
    console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  if (failed) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
