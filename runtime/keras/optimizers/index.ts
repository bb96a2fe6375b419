/** keras.optimizers: the classes, and resolution of names ("adam", "sgd", "rmsprop", "adagrad"). */
import { resolveIdentifier } from "../utils/identifiers";
import { Adagrad } from "./adagrad";
import { Adam } from "./adam";
import { Optimizer } from "./optimizer";
import { RMSprop } from "./rmsprop";
import { SGD } from "./sgd";

export { Adagrad, Adam, Optimizer, RMSprop, SGD };

export type OptimizerIdentifier = string | Optimizer;

export function getOptimizer(id: OptimizerIdentifier): Optimizer {
  if (id instanceof Optimizer) return id;
  if (typeof id !== "string")
    throw new Error(`compile: optimizer must be a name such as "adam" or a keras.optimizers object, got ${String(id)}`);
  return resolveIdentifier("optimizer", id, {
    sgd: () => new SGD(),
    adam: () => new Adam(),
    rmsprop: () => new RMSprop(),
    adagrad: () => new Adagrad(),
  })();
}
