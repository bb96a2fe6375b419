/**
 * The IDX file format (MNIST's): a 4-byte magic number (two zero bytes, a
 * type code, the number of dimensions), one big-endian uint32 per dimension,
 * then the values big-endian in row-major order. Gzipped files (.gz) are
 * inflated first.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { shapeString } from "../backend/backend";
import { fromValues, type Tensor } from "../tensor";

/** IDX type codes and how to read one value. */
const TYPES: Record<number, { name: string; bytes: number; read: (view: DataView, at: number) => number }> = {
  0x08: { name: "uint8", bytes: 1, read: (v, at) => v.getUint8(at) },
  0x09: { name: "int8", bytes: 1, read: (v, at) => v.getInt8(at) },
  0x0b: { name: "int16", bytes: 2, read: (v, at) => v.getInt16(at) },
  0x0c: { name: "int32", bytes: 4, read: (v, at) => v.getInt32(at) },
  0x0d: { name: "float32", bytes: 4, read: (v, at) => v.getFloat32(at) },
  0x0e: { name: "float64", bytes: 8, read: (v, at) => v.getFloat64(at) },
};

export interface IdxOptions {
  /** The tensor's dtype; default: int32 for integer files, float32 for float ones. */
  dtype?: "float32" | "int32";
  /**
   * Only the first `count` items along the first axis (images, labels). Of a
   * plain (not gzipped) file only those bytes are read, so memory and time
   * follow `count`, not the file's size.
   */
  count?: number;
}

/**
 * Reads an IDX file (optionally gzipped) into a tensor of the file's shape.
 * Bytes go to the backend as they are and are widened there: MNIST's 47 MB
 * of training images never exist as a 188 MB float32 array on the JS side.
 */
export function readIdx(path: string, options: IdxOptions = {}): Tensor {
  const { count } = options;
  if (count !== undefined && !(Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`readIdx: count must be a non-negative integer, got ${count}`);
  }
  const raw = count === undefined ? readFileSync(path) : readPrefix(path, count);
  const bytes = raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  const { shape, type, values } = parseIdx(bytes, path, count);
  const dtype = options.dtype ?? (type.name.startsWith("float") ? "float32" : "int32");
  if (values instanceof Uint8Array) return fromValues(values, shape, dtype);
  const typed = dtype === "int32" ? new Int32Array(values.length) : new Float32Array(values.length);
  typed.set(values);
  return fromValues(typed, shape, dtype);
}

/**
 * The file's bytes up to the end of its first `count` items (all of a gzipped
 * file, which must be inflated whole; parseIdx takes the items from it).
 */
function readPrefix(path: string, count: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4 + 4 * 255);
    const got = readSync(fd, head, 0, head.length, 0);
    if (got < 4 || head[0] === 0x1f || TYPES[head[2]] === undefined || got < 4 + 4 * head[3]) return readFileSync(path);
    const rank = head[3];
    let itemBytes = TYPES[head[2]].bytes;
    for (let i = 1; i < rank; i++) itemBytes *= head.readUInt32BE(4 + 4 * i);
    const items = rank === 0 ? 0 : Math.min(count, head.readUInt32BE(4));
    const length = 4 + 4 * rank + items * itemBytes;
    const bytes = Buffer.alloc(length);
    let at = 0;
    while (at < length) {
      const n = readSync(fd, bytes, at, length - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === length ? bytes : bytes.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}

/**
 * The shape, element type and values of IDX bytes (of the first `count` items
 * along the first axis, when given); errors name `source`.
 */
export function parseIdx(
  bytes: Uint8Array,
  source = "IDX data",
  count?: number,
): { shape: number[]; type: { name: string }; values: Uint8Array | Float64Array } {
  const fail = (why: string): never => {
    throw new Error(`readIdx: ${source} is not a valid IDX file: ${why}`);
  };
  if (bytes.length < 4) fail(`it has only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0 || bytes[1] !== 0)
    fail(`the magic number must start with two zero bytes, found ${bytes[0]} ${bytes[1]}`);
  const type = TYPES[bytes[2]] ?? fail(`unknown type code 0x${bytes[2].toString(16)} (known: 08 09 0b 0c 0d 0e)`);
  const rank = bytes[3];
  const header = 4 + 4 * rank;
  if (bytes.length < header)
    fail(`the header needs ${header} bytes for ${rank} dimensions, the file has ${bytes.length}`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  if (count !== undefined && rank > 0 && count < shape[0]) shape[0] = count;
  const elements = shape.reduce((a, b) => a * b, 1);
  const expected = header + elements * type.bytes;
  if (bytes.length < expected)
    fail(`shape ${shapeString(shape)} of ${type.name} needs ${expected} bytes, the file has ${bytes.length}`);
  if (type.bytes === 1 && type.name === "uint8") return { shape, type, values: bytes.subarray(header, expected) };
  const values = new Float64Array(elements);
  for (let i = 0; i < elements; i++) values[i] = type.read(view, header + i * type.bytes);
  return { shape, type, values };
}
