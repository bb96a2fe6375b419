/** Rebuilding recurrent layers and cells from a saved config. */
import type { LayerConfig } from "../engine/layer";
import { fromConfigOptions } from "../layers/config";
import { withOrthogonal } from "./orthogonal";

/**
 * Constructor options from a saved config. The recurrent initializer is read
 * here because the shared initializer registry does not know "Orthogonal".
 */
export function cellFromConfig<T>(config: LayerConfig): T {
  const { recurrentInitializer, ...rest } = config;
  const options = fromConfigOptions<Record<string, unknown>>(rest);
  if (recurrentInitializer)
    options.recurrentInitializer = withOrthogonal(
      recurrentInitializer as { className: string; config: Record<string, unknown> },
      "orthogonal",
    );
  return options as T;
}
