/** keras.applications: ready-made models with pretrained weights shipped in the package. */
export { TinyVGG, TINY_VGG_WEIGHT_FILES, TINY_VGG_CLASSES, type TinyVGGOptions, type TinyVGGWeights } from "./tiny_vgg";
