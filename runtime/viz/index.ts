/**
 * nnlab's visualisation layer, the `viz` namespace of a notebook: pictures
 * (PNG) and charts (plotly) as mime bundles, built from structural inputs
 * (see types.ts) so it depends on no runtime internals.
 */
export { images, type ImagesOptions } from "./images";
export { heatmap, type HeatmapOptions } from "./heatmap";
export { featureMaps, type FeatureMapsOptions } from "./feature_maps";
export { filters, type FiltersOptions } from "./filters";
export { hiddenStates, type HiddenStatesOptions } from "./hidden_states";
export { confusionMatrix, type ConfusionMatrixOptions } from "./confusion_matrix";
export { attention, type AttentionOptions } from "./attention";
export { line, type LineOptions, type Series } from "./line";
export { trainingCurves } from "./training_curves";
export { LiveCurves, type LiveCurvesOptions } from "./live";
export {
  convolutionExplorer,
  ConvolutionExplorer,
  type ConvolutionExplorerOptions,
  type ConvolutionStep,
} from "./convolution_explorer";
export {
  featureMapExplorer,
  FeatureMapExplorer,
  type FeatureMapExplorerOptions,
  type FeatureMapModel,
  type FeatureMapState,
  type ExplorerLayer,
} from "./feature_map_explorer";
export { rnnStepper, RnnStepper, type RnnStepperOptions, type RnnStepperModel, type RnnStep } from "./rnn_stepper";
export { trainingDashboard, TrainingDashboard, type TrainingDashboardOptions, type DashboardModel } from "./dashboard";
export { tensorImageBundle } from "./tensor_image";
export { resetPlotlyCarrier } from "./plotly_library";
export { VizOutput } from "./output";
export type { PlotlyFigure } from "./chart";
export type { ColormapName } from "./colormap";
export type * from "./types";
