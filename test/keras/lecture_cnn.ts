/** The lecture's Keras MNIST CNN, written exactly as in docs/keras.md. */
import { keras, layers } from "../../runtime/keras/index";

export function lectureCnn() {
  return keras.Sequential([
    keras.Input({ shape: [28, 28, 1] }),
    layers.Conv2D(32, { kernelSize: [3, 3], activation: "relu" }),
    layers.MaxPooling2D({ poolSize: [2, 2] }),
    layers.Conv2D(64, { kernelSize: [3, 3], activation: "relu" }),
    layers.MaxPooling2D({ poolSize: [2, 2] }),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(10, { activation: "softmax" }),
  ]);
}
