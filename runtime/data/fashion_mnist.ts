/**
 * Fashion-MNIST (Zalando Research, MIT licence) from the IDX files that the
 * Debian package `dataset-fashion-mnist` installs under
 * /usr/share/datasets/fashion-mnist/ (nothing is downloaded): 60000 training
 * and 10000 test images of 28x28 pixels in 10 clothing classes, 6000 training
 * and 1000 test images per class; values 0..255 as float32 (as Keras's
 * fashion_mnist.load_data gives them), labels int32.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Tensor } from "../tensor";
import { readIdx } from "./idx";
import type { MnistSplits } from "./mnist";

/** Where the Debian package `dataset-fashion-mnist` puts the IDX files. */
const FASHION_MNIST_DIRECTORY = "/usr/share/datasets/fashion-mnist";

/** The class names in label order (Keras's documentation order): label 0 is "T-shirt/top", 9 is "Ankle boot". */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
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

export interface FashionMnistOptions {
  /** The folder holding the four IDX files (plain or .gz); default: the environment variable NNLAB_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist. */
  directory?: string;
}

/** [[xTrain, yTrain], [xTest, yTest]]: images [n, 28, 28] float32 0..255 and labels [n] int32. */
export function loadFashionMnist(options: FashionMnistOptions = {}): MnistSplits {
  const directory = options.directory ?? (process.env.NNLAB_FASHION_MNIST_DIR || FASHION_MNIST_DIRECTORY);
  const file = (name: string): string => fashionMnistFile(directory, name);
  // Every path is checked before any file is read, so a missing package fails at once.
  const names = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
  ].map(file);
  const read = (path: string, images: boolean): Tensor => readIdx(path, images ? { dtype: "float32" } : {});
  return [
    [read(names[0], true), read(names[1], false)],
    [read(names[2], true), read(names[3], false)],
  ];
}

function fashionMnistFile(directory: string, name: string): string {
  const plain = join(directory, name);
  if (existsSync(`${plain}.gz`)) return `${plain}.gz`;
  if (existsSync(plain)) return plain;
  throw new Error(
    `fashionMnist.loadData: ${plain}.gz (or the unzipped ${name}) is missing; Fashion-MNIST comes from the Debian package dataset-fashion-mnist: install it with apt-get install dataset-fashion-mnist (it puts the files in ${FASHION_MNIST_DIRECTORY})`,
  );
}
