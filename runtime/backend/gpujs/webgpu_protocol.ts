/**
 * Messages between the WebGPU bridge (main thread) and its host worker: a
 * backend method name and its arguments, with tensor handles replaced by
 * numeric ids (typed arrays and plain objects travel by structured clone).
 */

/** Index in the shared Int32Array of the count of responses the host has posted. */
export const RESPONSES = 0;

export interface BridgeRequest {
  method: string;
  args: unknown[];
  /** False for a call the main thread does not wait on (dispose): the host answers nothing, not even an error. */
  reply: boolean;
}

/** A method's result: a new handle's id, a plain value (read's typed array, info), or an error message. */
export type BridgeResponse = { handle: number } | { value: unknown } | { error: string };

/** A handle's id inside encoded arguments. */
interface EncodedHandle {
  $handle: number;
}

/** Replaces every object for which `idOf` gives an id (a handle) with its id, recursively. */
export function encodeArgs(args: readonly unknown[], idOf: (value: object) => number | undefined): unknown[] {
  const encode = (value: unknown): unknown => {
    if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
    const id = idOf(value);
    if (id !== undefined) return { $handle: id } satisfies EncodedHandle;
    if (Array.isArray(value)) return value.map(encode);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encode(v)]));
  };
  return args.map(encode);
}

/** The inverse of encodeArgs: ids back to the objects `lookup` gives. */
export function decodeArgs<H>(args: readonly unknown[], lookup: (id: number) => H): unknown[] {
  const decode = (value: unknown): unknown => {
    if (value === null || typeof value !== "object" || ArrayBuffer.isView(value)) return value;
    if ("$handle" in value) return lookup((value as EncodedHandle).$handle);
    if (Array.isArray(value)) return value.map(decode);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  };
  return args.map(decode);
}

/** The handle id of an encoded argument, if it is one. */
export function handleId(encoded: unknown): number | undefined {
  return typeof encoded === "object" && encoded !== null && "$handle" in encoded
    ? (encoded as EncodedHandle).$handle
    : undefined;
}
