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
import type { Model as ModelClass } from "./models/model";
import type { Functional as FunctionalClass } from "./models/functional";
import type { ModelOutputs } from "./models/outputs";
import type { KerasTensor as KerasTensorClass } from "./engine/keras_tensor";
import type { Callback as CallbackClass } from "./callbacks/callback";
import type { History as HistoryClass } from "./callbacks/history";
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
  /** The base class of every layer (the same as `layers.Layer`), as `keras.Layer` in Keras 3. */
  Layer: layers.Layer,
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

// `keras` and `layers` are objects (their classes are callable without `new`), and an object's properties
// are no types. A namespace of types only, merged with each, lets a cell annotate as in Keras:
// `function train(model: keras.Model, head: layers.Dense)`. It adds no value and leaves the objects as they are.

/** The types of `keras`'s classes: `keras.Model` (a model with one output), `keras.Sequential`, `keras.Layer`, ... */
// eslint-disable-next-line @typescript-eslint/no-namespace -- the one way to give a value's name types too
export declare namespace keras {
  export type Model<T extends ModelOutputs = KerasTensorClass> = ModelClass<T>;
  export type Functional<T extends ModelOutputs = KerasTensorClass> = FunctionalClass<T>;
  export type Sequential = SequentialClass;
  export type Layer = layersNamespace.Layer;
  export type KerasTensor = KerasTensorClass;
  export type Callback = CallbackClass;
  export type History = HistoryClass;
}

/** Every layer class as a type: `layers.Layer`, `layers.Dense`, `layers.LSTM`, ... (one line a class in layers/index.ts). */
// eslint-disable-next-line @typescript-eslint/no-namespace -- as for keras above
export declare namespace layers {
  export type Layer = layersNamespace.Layer;
  export type InputLayer = layersNamespace.InputLayer;
  export type Activation = layersNamespace.Activation;
  export type Add = layersNamespace.Add;
  export type AveragePooling2D = layersNamespace.AveragePooling2D;
  export type BatchNormalization = layersNamespace.BatchNormalization;
  export type Concatenate = layersNamespace.Concatenate;
  export type Conv2D = layersNamespace.Conv2D;
  export type Conv2DTranspose = layersNamespace.Conv2DTranspose;
  export type Dense = layersNamespace.Dense;
  export type Dropout = layersNamespace.Dropout;
  export type Embedding = layersNamespace.Embedding;
  export type Flatten = layersNamespace.Flatten;
  export type GlobalAveragePooling2D = layersNamespace.GlobalAveragePooling2D;
  export type LeakyReLU = layersNamespace.LeakyReLU;
  export type MaxPooling2D = layersNamespace.MaxPooling2D;
  export type Reshape = layersNamespace.Reshape;
  export type UpSampling2D = layersNamespace.UpSampling2D;
  export type SimpleRNN = layersNamespace.SimpleRNN;
  export type LSTM = layersNamespace.LSTM;
  export type GRU = layersNamespace.GRU;
  export type RNN = layersNamespace.RNN;
  export type SimpleRNNCell = layersNamespace.SimpleRNNCell;
  export type LSTMCell = layersNamespace.LSTMCell;
  export type GRUCell = layersNamespace.GRUCell;
  export type Bidirectional = layersNamespace.Bidirectional;
  export type TimeDistributed = layersNamespace.TimeDistributed;
  export type Masking = layersNamespace.Masking;
  export type Attention = layersNamespace.Attention;
  export type AdditiveAttention = layersNamespace.AdditiveAttention;
  export type MultiHeadAttention = layersNamespace.MultiHeadAttention;
  export type LayerNormalization = layersNamespace.LayerNormalization;
  export type PositionalEncoding = layersNamespace.PositionalEncoding;
  export type PositionEmbedding = layersNamespace.PositionEmbedding;
  export type TransformerEncoder = layersNamespace.TransformerEncoder;
  export type TransformerDecoder = layersNamespace.TransformerDecoder;
  export type DepthwiseConv2D = layersNamespace.DepthwiseConv2D;
  export type SeparableConv2D = layersNamespace.SeparableConv2D;
  export type Conv1D = layersNamespace.Conv1D;
  export type MaxPooling1D = layersNamespace.MaxPooling1D;
  export type AveragePooling1D = layersNamespace.AveragePooling1D;
  export type GlobalAveragePooling1D = layersNamespace.GlobalAveragePooling1D;
  export type GlobalMaxPooling1D = layersNamespace.GlobalMaxPooling1D;
  export type GlobalMaxPooling2D = layersNamespace.GlobalMaxPooling2D;
  export type UpSampling1D = layersNamespace.UpSampling1D;
  export type ZeroPadding1D = layersNamespace.ZeroPadding1D;
  export type ZeroPadding2D = layersNamespace.ZeroPadding2D;
  export type Cropping1D = layersNamespace.Cropping1D;
  export type Cropping2D = layersNamespace.Cropping2D;
  export type Multiply = layersNamespace.Multiply;
  export type Subtract = layersNamespace.Subtract;
  export type Average = layersNamespace.Average;
  export type Maximum = layersNamespace.Maximum;
  export type Minimum = layersNamespace.Minimum;
  export type Dot = layersNamespace.Dot;
  export type ReLU = layersNamespace.ReLU;
  export type Softmax = layersNamespace.Softmax;
  export type ELU = layersNamespace.ELU;
  export type Rescaling = layersNamespace.Rescaling;
  export type Permute = layersNamespace.Permute;
  export type RepeatVector = layersNamespace.RepeatVector;
  export type Lambda = layersNamespace.Lambda;
  export type GaussianNoise = layersNamespace.GaussianNoise;
  export type GaussianDropout = layersNamespace.GaussianDropout;
  export type SpatialDropout1D = layersNamespace.SpatialDropout1D;
  export type SpatialDropout2D = layersNamespace.SpatialDropout2D;
  export type RandomTranslation = layersNamespace.RandomTranslation;
  export type RandomRotation = layersNamespace.RandomRotation;
}

export type { Layer } from "./engine/layer";
export type { Model } from "./models/model";
export type { Functional } from "./models/functional";
export type { Sequential } from "./models/sequential";
export type { KerasTensor } from "./engine/keras_tensor";
export type { History } from "./callbacks/history";
