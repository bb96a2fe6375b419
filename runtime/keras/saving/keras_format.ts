/**
 * Keras 3's native files: the `.keras` archive (a zip of config.json,
 * metadata.json and model.weights.h5) and the `.weights.h5` weights file.
 */
import type { FileFormat } from "./formats";
import { isHdf5 } from "./hdf5";

const endsWith = (path: string, ext: string) => path.toLowerCase().endsWith(ext);
const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

export const kerasWeightsFormat: FileFormat = {
  description: "a Keras 3 weights file (.weights.h5)",
  claimsPath: (path) => endsWith(path, ".weights.h5"),
  recognizes: isHdf5,
};

export const kerasArchiveFormat: FileFormat = {
  description: "a Keras 3 archive (.keras)",
  claimsPath: (path) => endsWith(path, ".keras"),
  recognizes: isZip,
};

/** Keras 2's whole-model `.h5`: named so that saving to it says what to use instead. */
export const legacyH5Format: FileFormat = {
  description: "a Keras 2 HDF5 model (.h5), which nnlab does not write",
  claimsPath: (path) => endsWith(path, ".h5") || endsWith(path, ".hdf5"),
  recognizes: () => false,
};
