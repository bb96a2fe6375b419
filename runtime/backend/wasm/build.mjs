// Compiles the AssemblyScript kernels (runtime/backend/wasm/assembly/) into
// dist/runtime/backend/wasm/kernels.wasm. Run by `npm run build` after tsc;
// the .wasm is a build artefact and is not committed.
import { mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const entry = join(here, "assembly", "index.ts");
const outFile = join(root, "dist", "runtime", "backend", "wasm", "kernels.wasm");

mkdirSync(dirname(outFile), { recursive: true });
// asc resolves the entry and its imports against the working directory.
process.chdir(root);
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
    "simd,threads",
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
  console.error(`wasm kernels: AssemblyScript build failed: ${error.message}`);
  process.exit(1);
}
