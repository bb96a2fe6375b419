/**
 * The lecture's Keras CNN, written exactly as in docs/keras.md, trained for one
 * epoch on the first 10,000 MNIST training images, reaches at least 90%
 * accuracy on the 10,000 test images. Slow on the float64 reference backend
 * (minutes); the fast backends make it quick.
 */
import { expect, it } from "vitest";
import { keras } from "../../runtime/keras/index";
import { nn } from "../../runtime/nn";
import { lectureCnn } from "./lecture_cnn";

it(
  "the lecture CNN trained 1 epoch on 10k MNIST images reaches >= 90% test accuracy",
  async () => {
    nn.seed(0);
    const [[trainImages, trainLabels], [testImages, testLabels]] = keras.datasets.mnist.loadData();
    const n = 10_000;
    const xTrain = trainImages.slice([0, 0, 0], [n, 28, 28]).reshape([n, 28, 28, 1]).div(255);
    const yTrain = keras.utils.toCategorical(trainLabels.slice([0], [n]), 10);
    const xTest = testImages.reshape([testImages.shape[0], 28, 28, 1]).div(255);
    const yTest = keras.utils.toCategorical(testLabels, 10);

    const model = lectureCnn();
    model.compile({ loss: "categorical_crossentropy", optimizer: "adam", metrics: ["accuracy"] });
    const history = await model.fit(xTrain, yTrain, { batchSize: 128, epochs: 1, verbose: 0 });
    const [loss, accuracy] = model.evaluate(xTest, yTest, { batchSize: 500 });
    console.log(
      `MNIST 10k/1 epoch on ${nn.backend().name}: train accuracy ${history.history.accuracy[0].toFixed(4)}, test loss ${loss.toFixed(4)}, test accuracy ${accuracy.toFixed(4)}`,
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  },
  30 * 60_000,
);
