/**
 * keras.layers: every layer class, and Input. runtime/keras/index.ts makes
 * each class callable without `new` as in Keras (`layers.Dense(10, {
 * activation: "softmax" })`) with callableClasses(); they stay usable with
 * `new` and as base classes. A new layer needs its line here, and one in the
 * `layers` type namespace of ../index.ts (so that cells can write
 * `layers.Dense` as a type; test/executor/cells.test.ts checks every class).
 */
export { Layer } from "../engine/layer";
// Input is the same function as keras.Input (Keras exports it in both places).
export { Input, InputLayer } from "../engine/input_layer";
export { Activation } from "./activation";
export { Add } from "./add";
export { AveragePooling2D } from "./average_pooling2d";
export { BatchNormalization } from "./batch_normalization";
export { Concatenate } from "./concatenate";
export { Conv2D } from "./conv2d";
export { Conv2DTranspose } from "./conv2d_transpose";
export { Dense } from "./dense";
export { Dropout } from "./dropout";
export { Embedding } from "./embedding";
export { Flatten } from "./flatten";
export { GlobalAveragePooling2D } from "./global_average_pooling2d";
export { LeakyReLU } from "./leaky_relu";
export { MaxPooling2D } from "./max_pooling2d";
export { Reshape } from "./reshape";
export { UpSampling2D } from "./up_sampling2d";

// Sequence and attention layers (issue 6).
export { SimpleRNN } from "./simple_rnn";
export { LSTM } from "./lstm";
export { GRU } from "./gru";
export { RNN } from "./rnn";
export { SimpleRNNCell } from "../recurrent/simple_rnn_cell";
export { LSTMCell } from "../recurrent/lstm_cell";
export { GRUCell } from "../recurrent/gru_cell";
export { Bidirectional } from "./bidirectional";
export { TimeDistributed } from "./time_distributed";
export { Masking } from "./masking";
export { Attention } from "./attention";
export { AdditiveAttention } from "./additive_attention";
export { MultiHeadAttention } from "./multi_head_attention";
export { LayerNormalization } from "./layer_normalization";
export { PositionalEncoding } from "./positional_encoding";
export { PositionEmbedding } from "./position_embedding";
export { TransformerEncoder } from "./transformer_encoder";
export { TransformerDecoder } from "./transformer_decoder";

// Depthwise and separable convolutions (MobileNet's building blocks).
export { DepthwiseConv2D } from "./depthwise_conv2d";
export { SeparableConv2D } from "./separable_conv2d";
export type { DepthwiseConv2DOptions } from "./depthwise_conv2d";
export type { SeparableConv2DOptions } from "./separable_conv2d";

// 1-D signals, and 2-D padding, cropping, global max pooling.
export { Conv1D } from "./conv1d";
export { MaxPooling1D } from "./max_pooling1d";
export { AveragePooling1D } from "./average_pooling1d";
export { GlobalAveragePooling1D } from "./global_average_pooling1d";
export { GlobalMaxPooling1D } from "./global_max_pooling1d";
export { GlobalMaxPooling2D } from "./global_max_pooling2d";
export { UpSampling1D } from "./up_sampling1d";
export { ZeroPadding1D } from "./zero_padding1d";
export { ZeroPadding2D } from "./zero_padding2d";
export { Cropping1D } from "./cropping1d";
export { Cropping2D } from "./cropping2d";
export type { Conv1DOptions, Conv1DPadding } from "./conv1d";
export type { Pooling1DOptions } from "./pooling1d";
export type { GlobalPoolingOptions } from "./global_pooling";
export type { UpSampling1DOptions } from "./up_sampling1d";
export type { UpSampling2DOptions, UpSamplingInterpolation } from "./up_sampling2d";
export type { ZeroPadding1DOptions } from "./zero_padding1d";
export type { ZeroPadding2DOptions } from "./zero_padding2d";
export type { Cropping1DOptions } from "./cropping1d";
export type { Cropping2DOptions } from "./cropping2d";

// Merge and simple layers: elementwise merges, Dot, activation layers, Rescaling, Permute, RepeatVector, Lambda, noise.
export { Multiply } from "./multiply";
export { Subtract } from "./subtract";
export { Average } from "./average";
export { Maximum } from "./maximum";
export { Minimum } from "./minimum";
export { Dot } from "./dot";
export { ReLU } from "./relu";
export { Softmax } from "./softmax";
export { ELU } from "./elu";
export { Rescaling } from "./rescaling";
export { Permute } from "./permute";
export { RepeatVector } from "./repeat_vector";
export { Lambda } from "./lambda";
export { GaussianNoise } from "./gaussian_noise";
export { GaussianDropout } from "./gaussian_dropout";
export { SpatialDropout1D, SpatialDropout2D } from "./spatial_dropout";
export { RandomTranslation } from "./random_translation";
export { RandomRotation } from "./random_rotation";
export type { FillMode, Interpolation, RandomAffineOptions, Factor } from "./random_affine";
export type { DotAxes, DotOptions } from "./dot";
export type { ReLUOptions } from "./relu";
export type { SoftmaxOptions } from "./softmax";
export type { ELUOptions } from "./elu";
export type { RescalingOptions } from "./rescaling";
export type { LambdaFunction, LambdaInputs, LambdaOptions } from "./lambda";
export type { SpatialDropout2DOptions } from "./spatial_dropout";
