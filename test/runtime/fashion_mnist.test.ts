import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { keras } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";

const counts = (y: Tensor): number[] => {
  const c = new Array<number>(10).fill(0);
  for (const label of y.dataSync()) c[label] += 1;
  return c;
};

describe("Fashion-MNIST from the Debian package dataset-fashion-mnist", () => {
  afterEach(() => {
    delete process.env.NNLAB_FASHION_MNIST_DIR;
  });

  it("loads 60000 training and 10000 test images (0..255 float32), 6000 / 1000 per class", () => {
    const [[xTrain, yTrain], [xTest, yTest]] = keras.datasets.fashionMnist.loadData();
    expect(xTrain.shape).toEqual([60000, 28, 28]);
    expect(yTrain.shape).toEqual([60000]);
    expect(xTest.shape).toEqual([10000, 28, 28]);
    expect(yTest.shape).toEqual([10000]);
    expect(xTrain.dtype).toBe("float32");
    expect(xTest.dtype).toBe("float32");
    expect(yTrain.dtype).toBe("int32");
    expect(yTest.dtype).toBe("int32");
    for (const x of [xTrain, xTest]) {
      expect(nn.max(x).item()).toBe(255);
      expect(nn.min(x).item()).toBe(0);
      // Whole numbers: the bytes are widened, not scaled.
      expect(nn.sum(x.sub(nn.floor(x)).abs()).item()).toBe(0);
    }
    expect(counts(yTrain)).toEqual(new Array<number>(10).fill(6000));
    expect(counts(yTest)).toEqual(new Array<number>(10).fill(1000));
    // Not MNIST by mistake: the first training label of Fashion-MNIST is 9 (an ankle boot), MNIST's is 5.
    expect(yTrain.dataSync()[0]).toBe(9);
  });

  it("names the 10 classes in Keras's order", () => {
    expect(keras.datasets.fashionMnist.classNames).toEqual([
      "T-shirt/top",
      "Trouser",
      "Pullover",
      "Dress",
      "Coat",
      "Sandal",
      "Shirt",
      "Sneaker",
      "Bag",
      "Ankle boot",
    ]);
  });

  it("names the Debian package and the path it looked at when the files are missing", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "nnlab-fashion-")), "nowhere");
    const expected = `fashionMnist.loadData: ${join(dir, "train-images-idx3-ubyte")}.gz (or the unzipped train-images-idx3-ubyte) is missing; Fashion-MNIST comes from the Debian package dataset-fashion-mnist: install it with apt-get install dataset-fashion-mnist (it puts the files in /usr/share/datasets/fashion-mnist)`;
    expect(() => keras.datasets.fashionMnist.loadData({ directory: dir })).toThrow(expected);
    process.env.NNLAB_FASHION_MNIST_DIR = dir;
    expect(() => keras.datasets.fashionMnist.loadData()).toThrow(expected);
  });
});
