/**
 * nnlab's visualisation layer, the `viz` namespace of a notebook: pictures
 * (PNG) and charts (plotly) as mime bundles, built from structural inputs
 * (see types.ts) so it depends on no runtime internals.
 */
export { images, type ImagesOptions } from "./images";
export { heatmap, type HeatmapOptions } from "./heatmap";
export { featureMaps, type FeatureMapsOptions } from "./featureMaps";
export { filters, type FiltersOptions } from "./filters";
export { hiddenStates, type HiddenStatesOptions } from "./hiddenStates";
export { confusionMatrix, type ConfusionMatrixOptions } from "./confusionMatrix";
export { attention, type AttentionOptions } from "./attention";
export { line, type LineOptions, type Series } from "./line";
export { trainingCurves } from "./trainingCurves";
export { LiveCurves, type LiveCurvesOptions } from "./live";
export { tensorImageBundle } from "./tensorImage";
export { resetPlotlyCarrier } from "./plotlyLibrary";
export { VizOutput } from "./output";
export type { PlotlyFigure } from "./chart";
export type { ColormapName } from "./colormap";
export type * from "./types";
