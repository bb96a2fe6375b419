/** Keras's automatic layer names: the class name in snake_case, numbered from the second one ("conv2d", "conv2d_1"). */

const counters = new Map<string, number>();

/** Keras's to_snake_case: "MaxPooling2D" -> "max_pooling2d", "LeakyReLU" -> "leaky_re_lu". */
function snakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
    .replace(/([a-z])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

export function uniqueName(className: string): string {
  const base = snakeCase(className);
  const n = counters.get(base) ?? 0;
  counters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

/** Restarts the numbering (keras.backend.clearSession), so a re-run notebook gets the same names. */
export function resetNames(): void {
  counters.clear();
}
