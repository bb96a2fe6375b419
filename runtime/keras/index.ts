/**
 * The Keras-style API: `keras` (models, layers, optimizers, losses, metrics,
 * callbacks, initializers, regularizers, saving, utils, datasets, applications) and
 * `layers` (the same object as `keras.layers`). Names follow Keras's Python
 * API; keyword arguments are one camelCase options object.
 */
import { callableClass, callableClasses } from "./engine/callable";
import { Input } from "./engine/input_layer";
import { registerLayer } from "./engine/serialization";
import { resetNames } from "./engine/naming";
import { modelFactory } from "./models/model_factory";
import { Sequential as SequentialClass } from "./models/sequential";
import { loadModel } from "./saving/load_model";
import { exportPytorchStateDict, importPytorchStateDict } from "./saving/pytorch";
import { hdf5Ready } from "./saving/hdf5";
import * as layersNamespace from "./layers/index";
import * as activations from "./activations";
import * as initializers from "./initializers";
import * as regularizers from "./regularizers";
import * as losses from "./losses";
import * as metrics from "./metrics";
import * as optimizers from "./optimizers/index";
import { Callback } from "./callbacks/callback";
import { History } from "./callbacks/history";
import { EarlyStopping } from "./callbacks/early_stopping";
import { ModelCheckpoint } from "./callbacks/model_checkpoint";
import { TerminateOnNaN } from "./callbacks/terminate_on_nan";
import { LearningRateScheduler } from "./callbacks/learning_rate_scheduler";
import { ReduceLROnPlateau } from "./callbacks/reduce_lr_on_plateau";
import { ProgbarLogger } from "./callbacks/progbar_logger";
import { toCategorical } from "./utils/to_categorical";
import { setRandomSeed } from "./utils/random";
import { loadMnist } from "../data/mnist";
import { TinyVGG } from "./applications/index";
import { FASHION_MNIST_CLASS_NAMES, loadFashionMnist } from "../data/fashion_mnist";

export const layers = callableClasses(layersNamespace);

const Sequential = callableClass(SequentialClass);
const Model = modelFactory();

export const keras = {
  Sequential,
  Model,
  Input,
  layers,
  activations,
  initializers: callableClasses(initializers),
  regularizers: callableClasses(regularizers),
  losses: callableClasses(losses),
  metrics: callableClasses(metrics),
  optimizers: callableClasses(optimizers),
  callbacks: callableClasses({
    Callback,
    History,
    EarlyStopping,
    ModelCheckpoint,
    TerminateOnNaN,
    LearningRateScheduler,
    ReduceLROnPlateau,
    ProgbarLogger,
  }),
  models: { Sequential, Model, loadModel },
  /** `ready()` resolves once Keras-format files (.keras, .weights.h5) can be saved and loaded (HDF5 starts asynchronously). */
  saving: { loadModel, registerLayer, ready: hdf5Ready, exportPytorchStateDict, importPytorchStateDict },
  utils: { toCategorical, setRandomSeed },
  applications: {
    /** A small VGG-style CNN for 28x28 grey images, pretrained on MNIST or Fashion-MNIST: `TinyVGG({ weights: "mnist", includeTop: false, pooling: "avg" })`. */
    TinyVGG,
  },
  backend: {
    /** Restarts automatic layer names ("dense", "dense_1", ...), as keras.backend.clear_session. */
    clearSession: resetNames,
  },
  datasets: {
    mnist: {
      /** [[xTrain, yTrain], [xTest, yTest]]: images [n, 28, 28] float32 0..255, labels [n] int32 (Keras's mnist.load_data). */
      loadData: loadMnist,
    },
    fashionMnist: {
      /** [[xTrain, yTrain], [xTest, yTest]]: images [n, 28, 28] float32 0..255, labels [n] int32 (Keras's fashion_mnist.load_data); from the Debian package dataset-fashion-mnist. */
      loadData: loadFashionMnist,
      /** The 10 class names in label order: "T-shirt/top", "Trouser", ..., "Ankle boot". */
      classNames: FASHION_MNIST_CLASS_NAMES,
    },
  },
};

export type { Layer } from "./engine/layer";
export type { Model } from "./models/model";
export type { Functional } from "./models/functional";
export type { Sequential } from "./models/sequential";
export type { KerasTensor } from "./engine/keras_tensor";
export type { History } from "./callbacks/history";
