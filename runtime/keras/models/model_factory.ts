/**
 * `keras.Model` as the notebook sees it. As in Keras,
 * `keras.Model({ inputs, outputs })` (with or without `new`) gives a
 * Functional, which is `instanceof keras.Model`; `keras.Model()` and
 * `class Mine extends keras.Model { call(x) { ... } }` give a subclassed
 * model. A subclass that passes `{ inputs, outputs }` to `super()` is, as
 * Keras does it, moved onto Functional the first time (its class's parent
 * becomes Functional), so it runs its graph.
 *
 * Here and not in model.ts: model.ts cannot import functional.ts (which
 * extends it) without a cycle.
 */
import type { KerasTensor } from "../engine/keras_tensor";
import type { LayerOptions } from "../engine/layer";
import { Functional } from "./functional";
import { Model, type ModelArgs } from "./model";
import type { ModelOutputs } from "./outputs";

/** The graph arguments of a functional model. */
export interface FunctionalArgs<T extends ModelOutputs> extends LayerOptions {
  inputs: KerasTensor | readonly KerasTensor[];
  outputs: T;
}

/**
 * `keras.Model(...)` without `new`: the type parameter is inferred from
 * `outputs`, so `predict` on a model with `outputs: [a, b]` is typed Tensor[].
 * `new keras.Model(...)` and `extends keras.Model` are typed as the Model class.
 */
export type ModelFactory = typeof Model & {
  <T extends ModelOutputs = KerasTensor>(args: FunctionalArgs<T>): Functional<T>;
  <T extends ModelOutputs = KerasTensor>(args?: ModelArgs<T>): Model<T>;
};

type AnyClass = abstract new (...args: never[]) => object;

function hasGraph(args: ModelArgs | undefined): boolean {
  return args !== undefined && args !== null && (args.inputs !== undefined || args.outputs !== undefined);
}

/** Makes the class below `factory` in `cls`'s chain extend Functional instead of Model (Keras's inject_functional_model_class). */
function moveOntoFunctional(cls: AnyClass, factory: object): void {
  if (cls.prototype instanceof Functional) return;
  let c = cls;
  for (
    let parent = Object.getPrototypeOf(c) as AnyClass;
    parent !== factory && parent !== Model;
    parent = Object.getPrototypeOf(c) as AnyClass
  )
    c = parent;
  Object.setPrototypeOf(c, Functional);
  Object.setPrototypeOf(c.prototype, Functional.prototype);
}

export function modelFactory(): ModelFactory {
  const create = (args: ModelArgs | undefined, newTarget: AnyClass): object => {
    if (!hasGraph(args)) return Reflect.construct(Model, [args], newTarget) as object;
    if (newTarget === factory) return new Functional(args);
    moveOntoFunctional(newTarget, factory);
    return Reflect.construct(Functional, [args], newTarget) as object;
  };
  const factory: ModelFactory = new Proxy(Model, {
    apply: (_target, _thisArg, args: [ModelArgs?]) => create(args[0], factory),
    construct: (_target, args: [ModelArgs?], newTarget: AnyClass) => create(args[0], newTarget),
  }) as ModelFactory;
  return factory;
}
