/**
 * keras.applications.TinyVGG: shapes with and without the top, freezing the
 * base, saving and loading, the shipped weights' accuracy on the full
 * 10,000-image test sets of MNIST and Fashion-MNIST and on MNIST's 5,139 test
 * digits 0-4 (inference only: a few seconds each on the wasm backend), and
 * viz.filters / viz.featureMaps on every shipped model.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TINY_VGG_WEIGHT_FILES, type TinyVGGWeights } from "../../runtime/keras/applications/index";
import { keras, layers } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";
import { featureMaps } from "../../runtime/viz/feature_maps";
import { filters } from "../../runtime/viz/filters";
import { decodePng } from "../viz/decode";

const tmp = mkdtempSync(join(tmpdir(), "nnlab-applications-"));

/** The summary's totals, as model.summary() prints them. */
function summaryCounts(model: { summary(options: { print: (line: string) => void }): void }): {
  total: number;
  trainable: number;
  nonTrainable: number;
} {
  const lines: string[] = [];
  model.summary({ print: (text) => lines.push(...text.split("\n")) });
  const count = (label: string): number => {
    const line = lines.find((l) => l.trimStart().startsWith(label));
    if (!line) throw new Error(`no "${label}" line in the summary`);
    return Number(/:\s*([\d,]+)/.exec(line)![1].replace(/,/g, ""));
  };
  return {
    total: count("Total params"),
    trainable: count("Trainable params"),
    nonTrainable: count("Non-trainable params"),
  };
}

function accuracy(predictions: Tensor, labels: Tensor): number {
  const predicted = predictions.argmax(-1).dataSync();
  const truth = labels.dataSync();
  let right = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) right += 1;
  return right / truth.length;
}

describe("keras.applications.TinyVGG", () => {
  it("with the top: [n, 28, 28, 1] raw pixels in, [n, 10] class probabilities out, Keras-style layer names", () => {
    const model = keras.applications.TinyVGG({ weights: null });
    expect(model.name).toBe("tiny_vgg");
    expect(model.inputs[0].shape).toEqual([null, 28, 28, 1]);
    expect(model.outputs[0].shape).toEqual([null, 10]);
    const names = model.layers.map((l) => l.name);
    for (const name of [
      "rescaling",
      "block1_conv1",
      "block1_bn1",
      "block1_pool",
      "block2_conv1",
      "block3_conv1",
      "block3_relu1",
      "avg_pool",
      "predictions",
    ]) {
      expect(names).toContain(name);
    }
    // Conv kernels 3x3x1x32, 3x3x32x64, 3x3x64x128, 3x3x128x128 (no biases), 4 x channels for each batch norm, Dense 128x10 + 10.
    expect(model.countParams()).toBe(288 + 18432 + 73728 + 147456 + 4 * (32 + 64 + 128 + 128) + 1290);
    expect(model.countParams()).toBe(242_602);
    const p = model.predict(nn.rand([3, 28, 28, 1]).mul(255));
    expect(p.shape).toEqual([3, 10]);
    const sums = nn.sum(p, -1).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    expect(keras.applications.TinyVGG({ weights: null, classes: 3 }).outputs[0].shape).toEqual([null, 3]);
  });

  it("without the top: the last conv block's map, or its global average / max pooling", () => {
    expect(keras.applications.TinyVGG({ includeTop: false }).outputs[0].shape).toEqual([null, 3, 3, 128]);
    expect(keras.applications.TinyVGG({ includeTop: false, pooling: "avg" }).outputs[0].shape).toEqual([null, 128]);
    expect(keras.applications.TinyVGG({ includeTop: false, pooling: "max" }).outputs[0].shape).toEqual([null, 128]);
    const larger = keras.applications.TinyVGG({ weights: "mnist", includeTop: false, inputShape: [32, 32, 1] });
    expect(larger.outputs[0].shape).toEqual([null, 4, 4, 128]);
    const names = keras.applications.TinyVGG({ includeTop: false }).layers.map((l) => l.name);
    expect(names).not.toContain("predictions");
    expect(names).not.toContain("avg_pool");
  });

  it("without the top, the pretrained base's weights are those of the full pretrained model", () => {
    const full = keras.applications.TinyVGG({ weights: "fashion_mnist" });
    const base = keras.applications.TinyVGG({ weights: "fashion_mnist", includeTop: false, pooling: "avg" });
    expect(base.weights.length).toBe(full.weights.length - 2);
    for (const w of base.weights) {
      const twin = full.weights.find((v) => v.path === w.path)!;
      expect(Array.from(w.read())).toEqual(Array.from(twin.read()));
    }
    // Different data sets, different weights.
    const mnist = keras.applications.TinyVGG({ weights: "mnist", includeTop: false });
    expect(Array.from(mnist.getLayer("block1_conv1").weights[0].read())).not.toEqual(
      Array.from(base.getLayer("block1_conv1").weights[0].read()),
    );
  });

  it("base.trainable = false makes the base's parameters non-trainable in the summary counts of a transfer model", () => {
    const base = keras.applications.TinyVGG({ weights: "mnist", includeTop: false, pooling: "avg" });
    const baseCounts = summaryCounts(base);
    // Batch normalisation's moving mean and variance (2 x (32 + 64 + 128 + 128)) are never trainable.
    expect(baseCounts.nonTrainable).toBe(2 * (32 + 64 + 128 + 128));
    base.trainable = false;
    expect(summaryCounts(base)).toEqual({ total: baseCounts.total, trainable: 0, nonTrainable: baseCounts.total });

    const inputs = keras.Input({ shape: [28, 28, 1] });
    const features = base.apply(inputs, { training: false });
    const outputs = layers.Dense(5, { activation: "softmax" }).apply(features);
    const model = keras.Model({ inputs, outputs });
    const head = 128 * 5 + 5;
    expect(summaryCounts(model)).toEqual({
      total: baseCounts.total + head,
      trainable: head,
      nonTrainable: baseCounts.total,
    });
    base.trainable = true;
    expect(summaryCounts(model).trainable).toBe(baseCounts.total - 2 * (32 + 64 + 128 + 128) + head);
  });

  it("gives the same predictions after save and loadModel, and after saveWeights and loadWeights", () => {
    const model = keras.applications.TinyVGG({ weights: "mnist" });
    const x = keras.datasets.mnist.loadData()[1][0].slice([0, 0, 0], [16, 28, 28]).reshape([16, 28, 28, 1]);
    const before = Array.from(model.predict(x).dataSync());
    const path = join(tmp, "tiny_vgg.safetensors");
    model.save(path);
    const loaded = keras.models.loadModel(path);
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(Array.from(loaded.predict(x).dataSync())).toEqual(before);
    const weightsPath = join(tmp, "tiny_vgg.weights.safetensors");
    model.saveWeights(weightsPath);
    const fresh = keras.applications.TinyVGG({ weights: null });
    fresh.loadWeights(weightsPath);
    expect(Array.from(fresh.predict(x).dataSync())).toEqual(before);
  });

  it('"mnist_0_4" is a 5-class model of the digits 0-4 whose base is not the "mnist" base', () => {
    const model = keras.applications.TinyVGG({ weights: "mnist_0_4" });
    expect(model.outputs[0].shape).toEqual([null, 5]);
    expect(model.countParams()).toBe(242_602 - 5 * 129);
    expect(() => keras.applications.TinyVGG({ weights: "mnist_0_4", classes: 10 })).toThrow(
      `applications.TinyVGG: the "mnist_0_4" weights' top has 5 classes, got classes: 10; use includeTop: false and add your own Dense layer`,
    );
    const kernel = (weights: TinyVGGWeights) =>
      Array.from(
        keras.applications.TinyVGG({ weights, includeTop: false }).getLayer("block1_conv1").getWeights()[0].dataSync(),
      );
    expect(kernel("mnist_0_4")).not.toEqual(kernel("mnist"));
  });

  it("refuses options the pretrained weights cannot serve, saying why", () => {
    expect(() => keras.applications.TinyVGG({ weights: "imagenet" as "mnist" })).toThrow(
      'applications.TinyVGG: weights must be "mnist", "mnist_0_4", "fashion_mnist" or null (random initial weights), got "imagenet"',
    );
    expect(() => keras.applications.TinyVGG({ weights: "mnist", classes: 5 })).toThrow(
      `applications.TinyVGG: the "mnist" weights' top has 10 classes, got classes: 5; use includeTop: false and add your own Dense layer`,
    );
    expect(() => keras.applications.TinyVGG({ weights: "mnist", inputShape: [28, 28, 3] })).toThrow("needs 1 channel");
    expect(() => keras.applications.TinyVGG({ weights: "mnist", inputShape: [32, 32, 1] })).toThrow(
      "use includeTop: false for another size",
    );
    expect(() => keras.applications.TinyVGG({ includeTop: false, pooling: "sum" as "avg" })).toThrow(
      'pooling must be "avg", "max" or undefined, got "sum"',
    );
  });

  const shipped: [string, TinyVGGWeights, () => [Tensor, Tensor], number][] = [
    ["10,000 MNIST", "mnist", () => keras.datasets.mnist.loadData()[1], 0.99],
    ["5,139 MNIST digits 0-4", "mnist_0_4", () => digitsBelow(keras.datasets.mnist.loadData()[1], 5), 0.99],
    ["10,000 Fashion-MNIST", "fashion_mnist", () => keras.datasets.fashionMnist.loadData()[1], 0.9],
  ];
  for (const [label, weights, load, target] of shipped) {
    it(`the shipped "${weights}" weights reach >= ${target} accuracy on the ${label} test images`, () => {
      const [xTest, yTest] = load();
      const n = xTest.shape[0];
      const model = keras.applications.TinyVGG({ weights });
      const started = performance.now();
      const acc = accuracy(model.predict(xTest.reshape([n, 28, 28, 1]), { batchSize: 500 }), yTest);
      console.log(
        `TinyVGG "${weights}": ${label} test accuracy ${acc.toFixed(4)}, inference on ${n} images ${((performance.now() - started) / 1000).toFixed(1)} s (${nn.backend().name})`,
      );
      expect(acc).toBeGreaterThanOrEqual(target);
    });
  }
});

describe("viz on the shipped TinyVGG models", () => {
  const [, [xTest]] = keras.datasets.mnist.loadData({ train: 1, test: 1 });
  const digit = xTest.reshape([1, 28, 28, 1]);

  for (const weights of Object.keys(TINY_VGG_WEIGHT_FILES) as TinyVGGWeights[]) {
    it(`viz.filters draws the "${weights}" model's first-layer filters, with the kernel's own range`, () => {
      const conv = keras.applications.TinyVGG({ weights }).getLayer("block1_conv1");
      const kernel = Array.from(conv.getWeights()[0].dataSync());
      const [min, max] = [Math.min(...kernel), Math.max(...kernel)];
      const output = filters(conv);
      expect(String(output)).toMatch(/^viz\.filters: block1_conv1: 32 filters 3x3x1, weights (-[\d.]+) to ([\d.]+)$/);
      const [, shownMin, shownMax] = /weights (\S+) to (\S+)$/.exec(String(output))!;
      expect(Number(shownMin)).toBeCloseTo(min, 2);
      expect(Number(shownMax)).toBeCloseTo(max, 2);
      const png = decodePng(output.bundle());
      expect(png.width).toBeGreaterThan(8 * 48);
      expect(png.height).toBeGreaterThan(4 * 48);
    });

    it(`viz.featureMaps follows a digit through every block of the "${weights}" model, with or without the top`, () => {
      for (const model of [
        keras.applications.TinyVGG({ weights }),
        keras.applications.TinyVGG({ weights, includeTop: false, pooling: "avg" }),
      ]) {
        const text = String(featureMaps(model, digit));
        // Every image-shaped layer (input, rescaling, 4 x conv-bn-relu, 3 poolings), not the pooled vector.
        expect(text.split("\n")[0]).toBe("viz.featureMaps: 17 layers");
        expect(text).toContain("  block1_conv1: 28x28x32, values ");
        expect(text).toMatch(/\n {2}block4_relu1: 3x3x128, values 0 to [\d.]+, 16 of 128 channels shown$/);
        const deep = featureMaps(model, digit, { layers: ["block4_relu1"], maxChannels: 128 });
        const [activation] = model.activations(digit, ["block4_relu1"]);
        const max = Math.max(...activation.dataSync());
        expect(Number(/values 0 to (\S+)$/.exec(String(deep))![1])).toBeCloseTo(max, 2);
        expect(decodePng(deep.bundle()).width).toBeGreaterThan(0);
      }
    });
  }
});

/** The test images and labels of the classes 0 .. classes - 1. */
function digitsBelow([images, labels]: [Tensor, Tensor], classes: number): [Tensor, Tensor] {
  const kept: number[] = [];
  labels.dataSync().forEach((label, i) => {
    if (label < classes) kept.push(i);
  });
  return [images.gather(kept), labels.gather(kept)];
}
