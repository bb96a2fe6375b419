/**
 * The safetensors file format (https://github.com/huggingface/safetensors):
 * an 8-byte little-endian unsigned header length N, then N bytes of UTF-8
 * JSON mapping each tensor name to { dtype, shape, data_offsets: [begin, end] }
 * (byte offsets into the data section that follows), plus an optional
 * "__metadata__" object of string values; then the data section, each tensor
 * little-endian and row-major. Written so PyTorch and Hugging Face tools read
 * nnlab's weight files.
 */

export interface NamedTensor {
  name: string;
  shape: readonly number[];
  /** float32 values, row-major. */
  data: Float32Array;
  /** The stored type: F32 (default), or I64 for integer counters such as PyTorch's num_batches_tracked (read as floats). */
  dtype?: "F32" | "I64";
}

export interface SafetensorsContents {
  tensors: NamedTensor[];
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Encodes tensors (in the given order) and string metadata into safetensors bytes. */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    if (t.name === "__metadata__" || t.name in header) {
      throw new Error(`safetensors: tensor name "${t.name}" is reserved or repeated; every weight needs a unique name`);
    }
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.data.length) {
      throw new Error(
        `safetensors: tensor "${t.name}" has shape [${t.shape.join(", ")}] (${expected} values) but ${t.data.length} values`,
      );
    }
    const bytes = t.data.length * (t.dtype === "I64" ? 8 : 4);
    header[t.name] = { dtype: t.dtype ?? "F32", shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const headerBytes = Buffer.byteLength(json, "utf8");
  json += " ".repeat((8 - ((8 + headerBytes) % 8)) % 8);
  const jsonBytes = Buffer.from(json, "utf8");

  const out = new Uint8Array(8 + jsonBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let at = 8 + jsonBytes.length;
  for (const t of tensors) {
    if (t.dtype === "I64")
      for (let i = 0; i < t.data.length; i++, at += 8) view.setBigInt64(at, BigInt(t.data[i]), true);
    else for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  return out;
}

/** Decodes safetensors bytes; validates the header as the spec requires. Tensors come back in file order. */
export function decodeSafetensors(bytes: Uint8Array, source = "safetensors data"): SafetensorsContents {
  const fail = (why: string): never => {
    throw new Error(`${source} is not a valid safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail(`it has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`the header length ${headerLength} exceeds the file size ${bytes.length}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString("utf8"));
  } catch (err) {
    fail(`the header is not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) fail("the header is not a JSON object");
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  const tensors: (NamedTensor & { begin: number })[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === "__metadata__") {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const entry = value as Partial<HeaderEntry>;
    if (entry.dtype !== "F32" && entry.dtype !== "I64")
      fail(`tensor "${name}" has dtype ${String(entry.dtype)}; nnlab reads F32 weights (and I64 counters)`);
    const width = entry.dtype === "I64" ? 8 : 4;
    const shape = entry.shape;
    const offsets = entry.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor "${name}" has an invalid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2) fail(`tensor "${name}" has invalid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!(begin >= 0 && end <= dataLength && end - begin === count * width)) {
      fail(
        `tensor "${name}" data_offsets [${begin}, ${end}] do not fit its shape [${(shape as number[]).join(", ")}] inside ${dataLength} data bytes`,
      );
    }
    const data = new Float32Array(count);
    if (width === 8)
      for (let i = 0; i < count; i++) data[i] = Number(view.getBigInt64(dataStart + begin + i * 8, true));
    else for (let i = 0; i < count; i++) data[i] = view.getFloat32(dataStart + begin + i * 4, true);
    tensors.push({ name, shape: shape as number[], data, begin, ...(width === 8 ? { dtype: "I64" as const } : {}) });
  }
  tensors.sort((a, b) => a.begin - b.begin);
  return { tensors: tensors.map(({ begin: _begin, ...t }) => t), metadata };
}
