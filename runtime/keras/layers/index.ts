/**
 * keras.layers: every layer class, callable without `new` as in Keras
 * (`layers.Dense(10, { activation: "softmax" })`), still usable with `new`
 * and as a base class.
 */
import { callableClass } from "../engine/callable";
import { Layer as LayerClass } from "../engine/layer";
import { Input as inputFunction, InputLayer as InputLayerClass } from "../engine/input_layer";
import { Activation as ActivationClass } from "./activation";
import { Add as AddClass } from "./add";
import { AveragePooling2D as AveragePooling2DClass } from "./average_pooling2d";
import { BatchNormalization as BatchNormalizationClass } from "./batch_normalization";
import { Concatenate as ConcatenateClass } from "./concatenate";
import { Conv2D as Conv2DClass } from "./conv2d";
import { Conv2DTranspose as Conv2DTransposeClass } from "./conv2d_transpose";
import { Dense as DenseClass } from "./dense";
import { Dropout as DropoutClass } from "./dropout";
import { Embedding as EmbeddingClass } from "./embedding";
import { Flatten as FlattenClass } from "./flatten";
import { GlobalAveragePooling2D as GlobalAveragePooling2DClass } from "./global_average_pooling2d";
import { LeakyReLU as LeakyReLUClass } from "./leaky_relu";
import { MaxPooling2D as MaxPooling2DClass } from "./max_pooling2d";
import { Reshape as ReshapeClass } from "./reshape";
import { UpSampling2D as UpSampling2DClass } from "./up_sampling2d";

export const Layer = callableClass(LayerClass);
export const InputLayer = callableClass(InputLayerClass);
/** The same function as keras.Input (Keras exports it in both places). */
export const Input = inputFunction;
export const Activation = callableClass(ActivationClass);
export const Add = callableClass(AddClass);
export const AveragePooling2D = callableClass(AveragePooling2DClass);
export const BatchNormalization = callableClass(BatchNormalizationClass);
export const Concatenate = callableClass(ConcatenateClass);
export const Conv2D = callableClass(Conv2DClass);
export const Conv2DTranspose = callableClass(Conv2DTransposeClass);
export const Dense = callableClass(DenseClass);
export const Dropout = callableClass(DropoutClass);
export const Embedding = callableClass(EmbeddingClass);
export const Flatten = callableClass(FlattenClass);
export const GlobalAveragePooling2D = callableClass(GlobalAveragePooling2DClass);
export const LeakyReLU = callableClass(LeakyReLUClass);
export const MaxPooling2D = callableClass(MaxPooling2DClass);
export const Reshape = callableClass(ReshapeClass);
export const UpSampling2D = callableClass(UpSampling2DClass);

// Sequence and attention layers (issue 6).
import { SimpleRNN as SimpleRNNClass } from "./simple_rnn";
import { LSTM as LSTMClass } from "./lstm";
import { GRU as GRUClass } from "./gru";
import { RNN as RNNClass } from "./rnn";
import { SimpleRNNCell as SimpleRNNCellClass } from "../recurrent/simple_rnn_cell";
import { LSTMCell as LSTMCellClass } from "../recurrent/lstm_cell";
import { GRUCell as GRUCellClass } from "../recurrent/gru_cell";
import { Bidirectional as BidirectionalClass } from "./bidirectional";
import { TimeDistributed as TimeDistributedClass } from "./time_distributed";
import { Masking as MaskingClass } from "./masking";
import { Attention as AttentionClass } from "./attention";
import { AdditiveAttention as AdditiveAttentionClass } from "./additive_attention";
import { MultiHeadAttention as MultiHeadAttentionClass } from "./multi_head_attention";
import { LayerNormalization as LayerNormalizationClass } from "./layer_normalization";
import { PositionalEncoding as PositionalEncodingClass } from "./positional_encoding";
import { PositionEmbedding as PositionEmbeddingClass } from "./position_embedding";
import { TransformerEncoder as TransformerEncoderClass } from "./transformer_encoder";
import { TransformerDecoder as TransformerDecoderClass } from "./transformer_decoder";

export const SimpleRNN = callableClass(SimpleRNNClass);
export const LSTM = callableClass(LSTMClass);
export const GRU = callableClass(GRUClass);
export const RNN = callableClass(RNNClass);
export const SimpleRNNCell = callableClass(SimpleRNNCellClass);
export const LSTMCell = callableClass(LSTMCellClass);
export const GRUCell = callableClass(GRUCellClass);
export const Bidirectional = callableClass(BidirectionalClass);
export const TimeDistributed = callableClass(TimeDistributedClass);
export const Masking = callableClass(MaskingClass);
export const Attention = callableClass(AttentionClass);
export const AdditiveAttention = callableClass(AdditiveAttentionClass);
export const MultiHeadAttention = callableClass(MultiHeadAttentionClass);
export const LayerNormalization = callableClass(LayerNormalizationClass);
export const PositionalEncoding = callableClass(PositionalEncodingClass);
export const PositionEmbedding = callableClass(PositionEmbeddingClass);
export const TransformerEncoder = callableClass(TransformerEncoderClass);
export const TransformerDecoder = callableClass(TransformerDecoderClass);

// Depthwise and separable convolutions (MobileNet's building blocks).
import { DepthwiseConv2D as DepthwiseConv2DClass } from "./depthwise_conv2d";
import { SeparableConv2D as SeparableConv2DClass } from "./separable_conv2d";
export type { DepthwiseConv2DOptions } from "./depthwise_conv2d";
export type { SeparableConv2DOptions } from "./separable_conv2d";

export const DepthwiseConv2D = callableClass(DepthwiseConv2DClass);
export const SeparableConv2D = callableClass(SeparableConv2DClass);

// 1-D signals, and 2-D padding, cropping, global max pooling.
import { Conv1D as Conv1DClass } from "./conv1d";
import { MaxPooling1D as MaxPooling1DClass } from "./max_pooling1d";
import { AveragePooling1D as AveragePooling1DClass } from "./average_pooling1d";
import { GlobalAveragePooling1D as GlobalAveragePooling1DClass } from "./global_average_pooling1d";
import { GlobalMaxPooling1D as GlobalMaxPooling1DClass } from "./global_max_pooling1d";
import { GlobalMaxPooling2D as GlobalMaxPooling2DClass } from "./global_max_pooling2d";
import { UpSampling1D as UpSampling1DClass } from "./up_sampling1d";
import { ZeroPadding1D as ZeroPadding1DClass } from "./zero_padding1d";
import { ZeroPadding2D as ZeroPadding2DClass } from "./zero_padding2d";
import { Cropping1D as Cropping1DClass } from "./cropping1d";
import { Cropping2D as Cropping2DClass } from "./cropping2d";
export type { Conv1DOptions, Conv1DPadding } from "./conv1d";
export type { Pooling1DOptions } from "./pooling1d";
export type { GlobalPoolingOptions } from "./global_pooling";
export type { UpSampling1DOptions } from "./up_sampling1d";
export type { UpSampling2DOptions, UpSamplingInterpolation } from "./up_sampling2d";
export type { ZeroPadding1DOptions } from "./zero_padding1d";
export type { ZeroPadding2DOptions } from "./zero_padding2d";
export type { Cropping1DOptions } from "./cropping1d";
export type { Cropping2DOptions } from "./cropping2d";

export const Conv1D = callableClass(Conv1DClass);
export const MaxPooling1D = callableClass(MaxPooling1DClass);
export const AveragePooling1D = callableClass(AveragePooling1DClass);
export const GlobalAveragePooling1D = callableClass(GlobalAveragePooling1DClass);
export const GlobalMaxPooling1D = callableClass(GlobalMaxPooling1DClass);
export const GlobalMaxPooling2D = callableClass(GlobalMaxPooling2DClass);
export const UpSampling1D = callableClass(UpSampling1DClass);
export const ZeroPadding1D = callableClass(ZeroPadding1DClass);
export const ZeroPadding2D = callableClass(ZeroPadding2DClass);
export const Cropping1D = callableClass(Cropping1DClass);
export const Cropping2D = callableClass(Cropping2DClass);

// Merge and simple layers: elementwise merges, Dot, activation layers, Rescaling, Permute, RepeatVector, Lambda, noise.
import { Multiply as MultiplyClass } from "./multiply";
import { Subtract as SubtractClass } from "./subtract";
import { Average as AverageClass } from "./average";
import { Maximum as MaximumClass } from "./maximum";
import { Minimum as MinimumClass } from "./minimum";
import { Dot as DotClass } from "./dot";
import { ReLU as ReLUClass } from "./relu";
import { Softmax as SoftmaxClass } from "./softmax";
import { ELU as ELUClass } from "./elu";
import { Rescaling as RescalingClass } from "./rescaling";
import { Permute as PermuteClass } from "./permute";
import { RepeatVector as RepeatVectorClass } from "./repeat_vector";
import { Lambda as LambdaClass } from "./lambda";
import { GaussianNoise as GaussianNoiseClass } from "./gaussian_noise";
import { GaussianDropout as GaussianDropoutClass } from "./gaussian_dropout";
import {
  SpatialDropout1D as SpatialDropout1DClass,
  SpatialDropout2D as SpatialDropout2DClass,
} from "./spatial_dropout";
export type { DotAxes, DotOptions } from "./dot";
export type { ReLUOptions } from "./relu";
export type { SoftmaxOptions } from "./softmax";
export type { ELUOptions } from "./elu";
export type { RescalingOptions } from "./rescaling";
export type { LambdaFunction, LambdaInputs, LambdaOptions } from "./lambda";
export type { SpatialDropout2DOptions } from "./spatial_dropout";

export const Multiply = callableClass(MultiplyClass);
export const Subtract = callableClass(SubtractClass);
export const Average = callableClass(AverageClass);
export const Maximum = callableClass(MaximumClass);
export const Minimum = callableClass(MinimumClass);
export const Dot = callableClass(DotClass);
export const ReLU = callableClass(ReLUClass);
export const Softmax = callableClass(SoftmaxClass);
export const ELU = callableClass(ELUClass);
export const Rescaling = callableClass(RescalingClass);
export const Permute = callableClass(PermuteClass);
export const RepeatVector = callableClass(RepeatVectorClass);
export const Lambda = callableClass(LambdaClass);
export const GaussianNoise = callableClass(GaussianNoiseClass);
export const GaussianDropout = callableClass(GaussianDropoutClass);
export const SpatialDropout1D = callableClass(SpatialDropout1DClass);
export const SpatialDropout2D = callableClass(SpatialDropout2DClass);
