import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../runtime/keras/saving/safetensors";
import { writeFileAtomic } from "../../runtime/keras/saving/atomic_write";

describe("safetensors encoding", () => {
  const tensors = [
    { name: "dense/kernel", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: "dense/bias", shape: [3], data: Float32Array.from([0.5, -0.25, 1e-7]) },
  ];

  it("writes an 8-byte little-endian header length, a JSON header with dtype/shape/data_offsets, then the data", () => {
    const bytes = encodeSafetensors(tensors, { format: "pt" });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8")) as Record<string, unknown>;
    expect(header.__metadata__).toEqual({ format: "pt" });
    expect(header["dense/kernel"]).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    expect(header["dense/bias"]).toEqual({ dtype: "F32", shape: [3], data_offsets: [24, 36] });
    expect(bytes.length).toBe(8 + n + 36);
    expect((8 + n) % 8).toBe(0);
    expect(view.getFloat32(8 + n + 4 * 5, true)).toBe(6);
    expect(view.getFloat32(8 + n + 24 + 4, true)).toBe(-0.25);
  });

  it("round-trips names, shapes, values and metadata bit for bit", () => {
    const back = decodeSafetensors(encodeSafetensors(tensors, { a: "b" }));
    expect(back.metadata).toEqual({ a: "b" });
    expect(back.tensors.map((t) => t.name)).toEqual(["dense/kernel", "dense/bias"]);
    expect(back.tensors[1].data).toEqual(tensors[1].data);
    expect(back.tensors[0].shape).toEqual([2, 3]);
  });

  it("rejects a header length past the end of the file with a clear reason", () => {
    const bytes = encodeSafetensors(tensors);
    expect(() => decodeSafetensors(bytes.subarray(0, 20), "w.safetensors")).toThrow(
      /w.safetensors is not a valid safetensors file: the header length/,
    );
  });

  it("rejects data_offsets that do not match the shape", () => {
    const header = JSON.stringify({ x: { dtype: "F32", shape: [2], data_offsets: [0, 4] } });
    const bytes = new Uint8Array(8 + header.length + 8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(Buffer.from(header), 8);
    expect(() => decodeSafetensors(bytes)).toThrow(/tensor "x" data_offsets \[0, 4\] do not fit its shape \[2\]/);
  });
});

describe("atomic writes", () => {
  it("replace the file only when the whole write succeeded, leaving no temporary file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-atomic-"));
    const target = path.join(dir, "w.bin");
    writeFileAtomic(target, Uint8Array.from([1, 2, 3]));
    expect([...fs.readFileSync(target)]).toEqual([1, 2, 3]);
    expect(fs.readdirSync(dir)).toEqual(["w.bin"]);
  });

  it("leave the old file in place when the write fails", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-atomic-"));
    const target = path.join(dir, "w.bin");
    fs.writeFileSync(target, "good");
    // A directory in the target's place makes the final rename fail after the temp file was written.
    const blocked = path.join(dir, "sub");
    fs.mkdirSync(path.join(blocked, "x"), { recursive: true });
    expect(() => writeFileAtomic(blocked, Uint8Array.from([9]))).toThrow(/Could not save .*sub.*left unchanged/);
    expect(fs.readFileSync(target, "utf8")).toBe("good");
    expect(fs.readdirSync(dir).sort()).toEqual(["sub", "w.bin"]);
  });
});
