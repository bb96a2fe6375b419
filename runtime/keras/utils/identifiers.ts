/**
 * String identifiers ("categorical_crossentropy", "he_normal", "adam") are
 * accepted in Keras's snake_case and in camelCase; both resolve through one
 * canonical snake_case key.
 */

/** The snake_case key of an identifier: "categoricalCrossentropy" -> "categorical_crossentropy", "RMSprop" -> "rmsprop". */
export function canonicalIdentifier(id: string): string {
  return id
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[\s-]+/g, "_")
    .toLowerCase();
}

/**
 * Looks `id` up in `table` (keyed by canonical snake_case names). `what`
 * names the kind of thing for the error, e.g. "loss" or "optimizer".
 */
export function resolveIdentifier<T>(what: string, id: string, table: Readonly<Record<string, T>>): T {
  const key = canonicalIdentifier(id);
  if (Object.prototype.hasOwnProperty.call(table, key)) return table[key];
  const known = Object.keys(table)
    .sort()
    .map((k) => `"${k}"`)
    .join(", ");
  throw new Error(`Unknown ${what} "${id}". Known ${what} identifiers: ${known} (snake_case or camelCase).`);
}
