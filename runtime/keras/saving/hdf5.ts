/**
 * HDF5 files as plain data, through h5wasm (the HDF5 C library compiled to
 * WebAssembly). A file is read whole into a map from dataset path
 * ("layers/dense/vars/0") to a float32 tensor, and written from such a list
 * plus the groups' attributes; the bytes pass through h5wasm's in-memory file
 * system, so nothing here touches the disk (the callers read and write files
 * atomically themselves).
 *
 * h5wasm starts asynchronously (it compiles its WebAssembly module), while
 * saving and loading are synchronous as in Keras: `hdf5Ready()` starts it and
 * resolves once it can be used (the kernel calls it at start-up; a script
 * awaits `keras.saving.ready()` once). Using HDF5 before that is a clear error.
 */
import type * as H5 from "h5wasm/node" with { "resolution-mode": "import" };

type H5Module = typeof H5;

let h5: H5Module | null = null;
let starting: Promise<void> | null = null;
let failure: Error | null = null;
let scratch = 0;

/** Starts h5wasm (once) and resolves when HDF5 files can be read and written. */
export function hdf5Ready(): Promise<void> {
  starting ??= import("h5wasm/node")
    .then(async (m) => {
      await m.ready;
      h5 = m;
    })
    .catch((err: Error) => {
      failure = err;
      throw err;
    });
  return starting;
}

function library(what: string): H5Module {
  if (h5) return h5;
  if (failure)
    throw new Error(
      `${what} needs the HDF5 library (the npm package h5wasm), which failed to load: ${failure.message}`,
    );
  void hdf5Ready().catch(() => undefined);
  throw new Error(
    `${what} needs the HDF5 library, which is still starting; run \`await keras.saving.ready()\` once first ` +
      "(the nnlab kernel starts it when a cell first uses nnlab; a plain Node script awaits it before its first Keras-format save or load)",
  );
}

export interface H5Tensor {
  shape: number[];
  data: Float32Array;
}

/** The 8-byte signature every HDF5 file starts with (at offset 0 when there is no user block). */
export function isHdf5(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return bytes.length >= 8 && signature.every((b, i) => bytes[i] === b);
}

/** Every dataset in the file, by path, as float32; `source` names the file in errors. */
export function readHdf5(bytes: Uint8Array, source: string): Map<string, H5Tensor> {
  const lib = library(`Reading ${source}`);
  if (!isHdf5(bytes)) throw new Error(`${source} is not an HDF5 file: it does not start with the HDF5 signature`);
  const name = `/nnlab-read-${scratch++}.h5`;
  lib.FS!.writeFile(name, bytes);
  const out = new Map<string, H5Tensor>();
  let file: H5.File | null = null;
  try {
    file = new lib.File(name, "r");
    const walk = (group: H5.Group, prefix: string) => {
      for (const key of group.keys()) {
        const entry = group.get(key);
        const path = prefix ? `${prefix}/${key}` : key;
        if (entry instanceof lib.Group) walk(entry, path);
        else if (entry instanceof lib.Dataset) {
          const value = entry.value;
          if (!(value instanceof Float32Array) && !(value instanceof Float64Array)) {
            throw new Error(
              `dataset "${path}" holds ${JSON.stringify(entry.metadata)} values; nnlab reads float weights`,
            );
          }
          out.set(path, { shape: entry.shape ?? [], data: Float32Array.from(value) });
        }
      }
    };
    walk(file, "");
  } catch (err) {
    // The reason is in the message already; a cause would print it twice in a notebook's traceback.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`${source} could not be read as HDF5 (truncated or damaged?): ${(err as Error).message}`);
  } finally {
    file?.close();
    lib.FS!.unlink(name);
  }
  return out;
}

export interface H5Group {
  path: string;
  attrs: Record<string, string>;
}

/** An HDF5 file with these groups (created in order, with string attributes) and float32 datasets. */
export function writeHdf5(groups: readonly H5Group[], datasets: readonly ({ path: string } & H5Tensor)[]): Uint8Array {
  const lib = library("Writing an HDF5 file");
  const name = `/nnlab-write-${scratch++}.h5`;
  try {
    const file = new lib.File(name, "w");
    try {
      for (const g of groups) {
        const group = ensureGroup(file, g.path);
        for (const [k, v] of Object.entries(g.attrs)) group.create_attribute(k, v);
      }
      for (const d of datasets) {
        const slash = d.path.lastIndexOf("/");
        const parent = ensureGroup(file, slash < 0 ? "" : d.path.slice(0, slash));
        parent.create_dataset({ name: d.path.slice(slash + 1), data: d.data, shape: d.shape, dtype: "<f" });
      }
    } finally {
      file.close();
    }
    return lib.FS!.readFile(name);
  } finally {
    if (lib.FS!.analyzePath(name).exists) lib.FS!.unlink(name);
  }
}

/** The group at `path`, creating it and any missing parents. */
function ensureGroup(root: H5.Group, path: string): H5.Group {
  let group = root;
  for (const part of path.split("/").filter((p) => p !== "")) {
    group = group.keys().includes(part) ? (group.get(part) as H5.Group) : group.create_group(part);
  }
  return group;
}
