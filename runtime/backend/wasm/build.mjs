// Compiles the AssemblyScript kernels (runtime/backend/wasm/assembly/) twice:
// dist/runtime/backend/wasm/kernels.wasm with plain 128-bit SIMD, and
// kernels-relaxed.wasm with relaxed SIMD too (fused multiply-add in the GEMM
// micro-kernel), which kernels.ts loads where the engine accepts it. Run by
// `npm run build` before tsc; the .wasm files are build artefacts, not committed.
import { mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const entry = join(here, "assembly", "index.ts");
const outDir = join(root, "dist", "runtime", "backend", "wasm");

mkdirSync(outDir, { recursive: true });
// asc resolves the entry and its imports against the working directory.
process.chdir(root);
await compile("kernels.wasm", "simd,threads");
await compile("kernels-relaxed.wasm", "simd,relaxed-simd,threads");

async function compile(fileName, features) {
  const outFile = join(outDir, fileName);
  const { error } = await asc.main(
    [
      relative(root, entry),
      "--outFile",
      relative(root, outFile),
      "-O3",
      "--noAssert",
      // No allocator or GC: JS owns memory layout; kernels only read and write raw pointers.
      "--runtime",
      "stub",
      "--enable",
      features,
      // One shared memory imported by every worker's instance. The maximum (2 GiB)
      // is only reserved address space; pages are committed as the allocator grows.
      "--importMemory",
      "--sharedMemory",
      "--initialMemory",
      "64",
      "--maximumMemory",
      "32768",
    ],
    { stdout: process.stdout, stderr: process.stderr },
  );
  if (error) {
    // asc has already printed the diagnostics to stderr.
    console.error(`wasm kernels (${fileName}): AssemblyScript build failed: ${error.message}`);
    process.exit(1);
  }
}
