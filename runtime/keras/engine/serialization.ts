/**
 * Layer classes by Keras class name, so a saved architecture (class name +
 * `getConfig()`) can be turned back into layers.
 */
import type { Layer, LayerConfig } from "./layer";
import type { Model } from "../models/model";
import type { Sequential } from "../models/sequential";

type LayerFactory = (config: LayerConfig) => Layer;

const factories = new Map<string, LayerFactory>();

export function registerLayer(className: string, factory: LayerFactory): void {
  factories.set(className, factory);
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

/**
 * The model classes, registered by their modules when loaded: saving needs
 * them, and importing them directly would make a cycle (Model's save() uses saving).
 */
export interface ModelClasses {
  Model: typeof Model;
  Sequential: typeof Sequential;
}

const models: Partial<ModelClasses> = {};

export function registerModelClass<K extends keyof ModelClasses>(name: K, cls: ModelClasses[K]): void {
  models[name] = cls;
}

export function modelClasses(): ModelClasses {
  if (!models.Model || !models.Sequential)
    throw new Error("keras: the model classes are not loaded; import nnlab's keras module first");
  return models as ModelClasses;
}
