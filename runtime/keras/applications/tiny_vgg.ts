/**
 * keras.applications.TinyVGG: a small VGG-style convolutional network for
 * 28x28 grey images, with weights pretrained on MNIST or Fashion-MNIST that
 * ship inside the package (safetensors files in ./weights/, made by
 * `npm run pretrain`, test/bench/pretrain.ts). Like Keras's applications it
 * returns a functional Model; `includeTop: false` gives the convolutional
 * base (the feature extractor) for transfer learning.
 *
 * Architecture (layer names are stable: weights load by name), 242,602 parameters for 10 classes:
 *   rescaling (x / 255: the model takes raw 0..255 pixels, as loadData gives them)
 *   block1: block1_conv1 (32 filters 3x3, same padding, no bias) - block1_bn1 - block1_relu1 - block1_pool (2x2)
 *   block2: the same with 64 filters, ending in block2_pool (7x7)
 *   block3: the same with 128 filters, ending in block3_pool (3x3)
 *   block4: block4_conv1 (128 filters) - block4_bn1 - block4_relu1, no pooling (the 3x3 map goes to the global pooling)
 *   top: avg_pool (GlobalAveragePooling2D) - predictions (Dense, softmax)
 * One convolution a block, where VGG has two or three: on a 2-core machine a
 * second one in each block cut training from 394 to 70 samples/s. The fourth,
 * cheap block (3x3 maps) lets each pooled feature see the whole 28x28 image:
 * with three blocks the global average pooled patches of 18x18 pixels, and
 * test accuracy stayed at 97.5% (MNIST) and 82% (Fashion-MNIST); 98.9% on MNIST
 * even with exact batch-norm statistics.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ActivationIdentifier } from "../activations";
import { Input } from "../engine/input_layer";
import type { KerasTensor } from "../engine/keras_tensor";
import { Functional } from "../models/functional";
import { Activation } from "../layers/activation";
import { BatchNormalization } from "../layers/batch_normalization";
import { Conv2D } from "../layers/conv2d";
import { Dense } from "../layers/dense";
import { GlobalAveragePooling2D } from "../layers/global_average_pooling2d";
import { GlobalMaxPooling2D } from "../layers/global_max_pooling2d";
import { MaxPooling2D } from "../layers/max_pooling2d";
import { Rescaling } from "../layers/rescaling";

/** The data sets TinyVGG has pretrained weights for. */
export type TinyVGGWeights = "mnist" | "mnist_0_4" | "fashion_mnist";

export interface TinyVGGOptions {
  /** "mnist", "mnist_0_4" (digits 0-4 only, 5 classes), "fashion_mnist" (pretrained weights shipped with nnlab), or null (random initial weights). Default null. */
  weights?: TinyVGGWeights | null;
  /** The classifier on top (global average pooling and a Dense softmax); default true. */
  includeTop?: boolean;
  /** [height, width, channels]; default [28, 28, 1]. With pretrained weights the channels must be 1 (and with the top, the shape exactly [28, 28, 1]). */
  inputShape?: readonly number[];
  /** Classes of the top; default 10 (5 with the "mnist_0_4" weights). Pretrained weights with the top need their own class count. */
  classes?: number;
  /** Without the top: "avg" or "max" ends the model with that global pooling (output [n, 128]); undefined ends at the last conv block ([n, 3, 3, 128] for 28x28 inputs). */
  pooling?: "avg" | "max" | null;
  /** The top's activation; default "softmax". */
  classifierActivation?: ActivationIdentifier;
  /** The model's name; default "tiny_vgg". */
  name?: string;
}

/** Filters of the three blocks. */
const TINY_VGG_FILTERS = [32, 64, 128, 128] as const;
/** Convolutions a block (VGG has 2-3; see above). */
const TINY_VGG_CONVS_PER_BLOCK = 1;

/** The weight files, by data set; they hold every layer's weights (base and top), named "block1_conv1/kernel" etc. */
export const TINY_VGG_WEIGHT_FILES: Record<TinyVGGWeights, string> = {
  mnist: "tiny_vgg_mnist.safetensors",
  mnist_0_4: "tiny_vgg_mnist_0_4.safetensors",
  fashion_mnist: "tiny_vgg_fashion_mnist.safetensors",
};

/** Classes of each pretrained top: "mnist_0_4" saw only the digits 0-4 (a source for transfer to 5-9 that never saw them). */
export const TINY_VGG_CLASSES: Record<TinyVGGWeights, number> = { mnist: 10, mnist_0_4: 5, fashion_mnist: 10 };

export function TinyVGG(options: TinyVGGOptions = {}): Functional {
  const weights = options.weights ?? null;
  const includeTop = options.includeTop ?? true;
  const inputShape = [...(options.inputShape ?? [28, 28, 1])];
  const classes = options.classes ?? (weights !== null && weights in TINY_VGG_CLASSES ? TINY_VGG_CLASSES[weights] : 10);
  const pooling = options.pooling ?? null;
  const fail = (why: string): never => {
    throw new Error(`applications.TinyVGG: ${why}`);
  };
  if (weights !== null && !(weights in TINY_VGG_WEIGHT_FILES)) {
    fail(
      `weights must be "mnist", "mnist_0_4", "fashion_mnist" or null (random initial weights), got ${JSON.stringify(weights)}`,
    );
  }
  if (inputShape.length !== 3 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
    fail(`inputShape must be [height, width, channels] of positive integers, got [${inputShape.join(", ")}]`);
  }
  if (inputShape[0] < 8 || inputShape[1] < 8)
    fail(`inputShape must be at least 8x8 (three 2x2 poolings), got [${inputShape.join(", ")}]`);
  if (!Number.isInteger(classes) || classes < 1) fail(`classes must be a positive integer, got ${classes}`);
  if (pooling !== null && pooling !== "avg" && pooling !== "max")
    fail(`pooling must be "avg", "max" or undefined, got ${JSON.stringify(pooling)}`);
  if (weights !== null) {
    if (inputShape[2] !== 1)
      fail(
        `the "${weights}" weights were trained on grey images: inputShape needs 1 channel, got [${inputShape.join(", ")}]`,
      );
    if (includeTop && (inputShape[0] !== 28 || inputShape[1] !== 28)) {
      fail(
        `with the "${weights}" weights and includeTop: true the input must be [28, 28, 1], got [${inputShape.join(", ")}]; use includeTop: false for another size`,
      );
    }
    if (includeTop && classes !== TINY_VGG_CLASSES[weights]) {
      fail(
        `the "${weights}" weights' top has ${TINY_VGG_CLASSES[weights]} classes, got classes: ${classes}; use includeTop: false and add your own Dense layer`,
      );
    }
  }

  const input = Input({ shape: inputShape, name: "input_image" });
  let x: KerasTensor = new Rescaling(1 / 255, { name: "rescaling" }).apply(input);
  // Every block but the last ends in a 2x2 max pooling: 28 -> 14 -> 7 -> 3.
  TINY_VGG_FILTERS.forEach((filters, b) => {
    const block = `block${b + 1}`;
    for (let c = 1; c <= TINY_VGG_CONVS_PER_BLOCK; c++) {
      // No bias: the batch normalisation that follows has its own offset (beta).
      x = new Conv2D(filters, { kernelSize: [3, 3], padding: "same", useBias: false, name: `${block}_conv${c}` }).apply(
        x,
      );
      x = new BatchNormalization({ name: `${block}_bn${c}` }).apply(x);
      x = new Activation("relu", { name: `${block}_relu${c}` }).apply(x);
    }
    if (b < TINY_VGG_FILTERS.length - 1) x = new MaxPooling2D({ poolSize: [2, 2], name: `${block}_pool` }).apply(x);
  });
  if (includeTop) {
    x = new GlobalAveragePooling2D({ name: "avg_pool" }).apply(x);
    x = new Dense(classes, { activation: options.classifierActivation ?? "softmax", name: "predictions" }).apply(x);
  } else if (pooling === "avg") {
    x = new GlobalAveragePooling2D({ name: "avg_pool" }).apply(x);
  } else if (pooling === "max") {
    x = new GlobalMaxPooling2D({ name: "max_pool" }).apply(x);
  }
  const model = new Functional({ inputs: input, outputs: x, name: options.name ?? "tiny_vgg" });
  // The file holds the base and the top; loading matches by name, so a model without the top takes the base's weights.
  if (weights !== null) model.loadWeights(tinyVggWeightsPath(weights));
  return model;
}

/** Where the pretrained weights for `weights` are: next to this file from the sources, the package's copy from dist/. */
function tinyVggWeightsPath(weights: TinyVGGWeights): string {
  const file = TINY_VGG_WEIGHT_FILES[weights];
  const candidates = [
    // From the TypeScript sources (vitest, the pretrain script's output folder).
    join(__dirname, "weights", file),
    // From dist/runtime/keras/applications/: the package ships runtime/keras/applications/weights/ (package.json "files").
    join(__dirname, "..", "..", "..", "..", "runtime", "keras", "applications", "weights", file),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new Error(
      `applications.TinyVGG: the "${weights}" weights file is missing (looked in ${candidates.join(", ")}); it ships with nnlab, so reinstall the package, or run npm run pretrain in a checkout`,
    );
  }
  return found;
}
