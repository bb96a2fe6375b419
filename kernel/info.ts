/**
 * What the kernel says about itself: its version, the TypeScript it compiles
 * with, and the `kernel_info_reply` content built from them.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Content } from "./protocol/messages";
import { PROTOCOL_VERSION } from "./protocol/wire";

/** The nnlab package root (holds package.json), from the source tree or from dist/. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

export const VERSION = readVersion(path.join(PACKAGE_ROOT, "package.json"));

/** Read from typescript/package.json, so that reporting it does not load the compiler. */
function typescriptVersion(): string {
  try {
    return readVersion(require.resolve("typescript/package.json"));
  } catch {
    return "unknown";
  }
}

export function kernelInfoContent(): Content<"kernel_info_reply"> {
  const typescript = typescriptVersion();
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "nnlab",
    implementation_version: VERSION,
    language_info: {
      name: "typescript",
      version: typescript,
      mimetype: "text/x.typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
      nbconvert_exporter: "script",
    },
    banner:
      `nnlab ${VERSION}: TypeScript ${typescript} on Node.js ${process.versions.node}, ` +
      "with nn, keras, layers, display, viz and help() preloaded",
    help_links: [
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: "https://nodejs.org/docs/latest-v20.x/api/" },
      { text: "Keras API (nnlab follows its names)", url: "https://keras.io/api/" },
    ],
    debugger: false,
  };
}

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json")) && readName(path.join(dir, "package.json")) === "nnlab") return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, "..", "..");
  }
}

function readName(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

function readVersion(file: string): string {
  const version = (JSON.parse(readFileSync(file, "utf8")) as { version?: unknown }).version;
  return typeof version === "string" ? version : "unknown";
}
