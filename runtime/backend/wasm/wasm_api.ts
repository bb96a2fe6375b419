/**
 * The slice of the WebAssembly JS API the backend uses. The project compiles
 * with lib ES2022 and no DOM, so TypeScript has no `WebAssembly` types; these
 * are declared here under their own names rather than as globals, so they can
 * never clash with a lib that adds the real ones.
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(deltaPages: number): number;
}

/** An opaque compiled module: passed to workers and instantiated there. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: {
    new (bytes: Uint8Array): WasmModule;
    exports(m: WasmModule): { name: string; kind: string }[];
  };
  validate(bytes: Uint8Array): boolean;
  Instance: new (m: WasmModule, imports: { env: { memory: WasmMemory } }) => { exports: Record<string, unknown> };
}

export const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
