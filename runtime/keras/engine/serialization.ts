/**
 * Layer classes by Keras class name, so a saved architecture (class name +
 * `getConfig()`) can be turned back into layers.
 */
import type { Layer, LayerConfig } from "./layer";

type LayerFactory = (config: LayerConfig) => Layer;

const factories = new Map<string, LayerFactory>();

export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
}

export function isRegisteredLayer(className: string): boolean {
  return factories.has(className);
}

export function layerFromConfig(className: string, config: LayerConfig): Layer {
  const factory = factories.get(className);
  if (!factory) {
    throw new Error(
      `Cannot load a layer of class "${className}": it is not a built-in layer. ` +
        `Register custom layers with keras.saving.registerLayer("${className}", (config) => new ${className}(config)) before loading.`,
    );
  }
  return factory(config);
}
