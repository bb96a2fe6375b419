/**
 * Worker thread of the WebGPU bridge (webgpu_bridge.ts): runs the gpu.js
 * backend in gpu.js's "webgpu" mode on Dawn (npm `webgpu`) and answers the
 * main thread's requests one at a time, awaiting each primitive's result
 * before answering, while the main thread blocks in Atomics.wait.
 *
 * Dawn setup (what works on a Linux machine without a GPU, Mesa installed):
 * its OpenGL ES backend over EGL ("surfaceless" platform, set by the bridge
 * before this thread starts, since a worker's process.env does not reach
 * the C environment), and an adapter requested with featureLevel
 * "compatibility" (OpenGL ES offers no "core" adapter). gpu.js only looks for
 * `navigator.gpu` and calls requestAdapter() without options, so the global
 * it finds adds the feature level.
 */
import { type MessagePort, workerData } from "node:worker_threads";
import { GpuJsBackend, GpuJsStorage } from "./backend";
import { type BridgeRequest, type BridgeResponse, decodeArgs, handleId, RESPONSES } from "./webgpu_protocol";

interface HostData {
  port: MessagePort;
  control: SharedArrayBuffer;
  /** Dawn toggles, e.g. ["backend=opengles"]. */
  dawnOptions: string[];
}

/** The part of Dawn's GPU object this file uses. */
interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<unknown>;
}

const { port, control, dawnOptions } = workerData as HostData;
const signal = new Int32Array(control);
const storages = new Map<number, GpuJsStorage>();
let nextId = 1;
let backend: GpuJsBackend | null = null;
let queue: Promise<void> = start();

port.on("message", (request: BridgeRequest) => {
  // One request at a time, in order: a handler awaits the GPU, and the next must see its result.
  queue = queue.then(() => serve(request));
});

async function start(): Promise<void> {
  try {
    // An ES module; the specifier is a variable so TypeScript leaves its global WebGPU typings out.
    const specifier = "webgpu";
    const dawn = (await import(specifier).catch((error: Error) => {
      throw new Error(
        `the webgpu package (Dawn for Node) cannot be loaded: ${error.message}; install it with npm install webgpu@0.6.2`,
      );
    })) as { create(options: string[]): DawnGpu; globals: object };
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create(dawnOptions);
    const shim = {
      requestAdapter: (options?: Record<string, unknown>) =>
        gpu.requestAdapter({ featureLevel: "compatibility", ...options }),
      getPreferredCanvasFormat: () => "rgba8unorm",
    };
    Object.defineProperty(globalThis, "navigator", { value: { gpu: shim }, configurable: true });
    if ((await shim.requestAdapter()) === null) {
      throw new Error(`Dawn (${dawnOptions.join(" ") || "default options"}) offers no WebGPU adapter here`);
    }
    backend = new GpuJsBackend({ mode: "webgpu" });
    answer({ value: backend.info() });
  } catch (error) {
    answer({ error: (error as Error).message });
  }
}

async function serve(request: BridgeRequest): Promise<void> {
  if (!request.reply) {
    dispose(request);
    return;
  }
  try {
    if (!backend) throw new Error("the WebGPU host did not start");
    const args = decodeArgs(request.args, (id) => {
      const storage = storages.get(id);
      if (!storage) throw new Error(`webgpu bridge: handle ${id} is unknown (disposed already?)`);
      return storage;
    });
    const method: unknown = Reflect.get(backend, request.method);
    if (typeof method !== "function") throw new Error(`${request.method} is not a backend primitive`);
    const result: unknown = Reflect.apply(method, backend, args);
    if (result instanceof GpuJsStorage) {
      await backend.settle(result);
      const id = nextId++;
      storages.set(id, result);
      answer({ handle: id });
    } else {
      answer({ value: result });
    }
  } catch (error) {
    answer({ error: `${request.method}: ${(error as Error).message}` });
  }
}

/** dispose, the call nobody waits for: a handle unknown here (disposed already) is nothing to free, and an error has nobody to go to. */
function dispose(request: BridgeRequest): void {
  const id = handleId(request.args[0]) ?? -1;
  const storage = storages.get(id);
  if (storage === undefined || !backend) return;
  storages.delete(id);
  try {
    backend.dispose(storage);
  } catch {
    // The storage is gone from the map either way.
  }
}

/** Posts the response, then counts it in the shared signal the main thread waits on. */
function answer(response: BridgeResponse): void {
  port.postMessage(response);
  Atomics.add(signal, RESPONSES, 1);
  Atomics.notify(signal, RESPONSES);
}
