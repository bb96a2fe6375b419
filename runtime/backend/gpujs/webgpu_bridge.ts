/**
 * gpu.js's WebGPU mode behind the synchronous backend interface. WebGPU reads
 * are asynchronous only (mapAsync), so the gpu.js backend runs in webgpu mode
 * in a worker thread (webgpu_host.ts) that awaits every primitive; each call
 * here posts the request and blocks in Atomics.wait until the worker has
 * answered, then takes the answer with receiveMessageOnPort. Tensors stay in
 * the worker; this side holds ids.
 *
 * Every primitive is a round trip between threads and, since gpu.js's webgpu
 * kernels read their results back, a GPU-to-host copy: about 1 ms per call on
 * Mesa's llvmpipe here. It exists so that the webgpu kernels are tested for
 * correctness (test/backend_gpujs/webgpu.test.ts), and as a way to run on a
 * WebGPU device where no GL stack exists; it is never chosen automatically
 * (NNLAB_GPUJS_MODE=webgpu with NNLAB_BACKEND=gpujs forces it).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { Backend, BackendInfo } from "../backend";
import { type BridgeRequest, type BridgeResponse, encodeArgs, RESPONSES } from "./webgpu_protocol";

/** A tensor held by the worker. */
export class RemoteHandle {
  constructor(readonly id: number) {}
}

export interface WebGpuBridgeOptions {
  /** Dawn's options (toggles); default ["backend=opengles"], the backend that runs on Mesa without a GPU. */
  dawnOptions?: string[];
  /** How long one call may take before it fails (ms); default 120 s (the first call of a shape compiles a shader). */
  timeoutMs?: number;
}

/** The primitives: every method of the backend interface, forwarded unchanged (see PRIMITIVES below). */
// The primitives are defined on the prototype from PRIMITIVES below, whose type check fails the build when one is missing.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface WebGpuBridge extends Backend<RemoteHandle> {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class WebGpuBridge {
  readonly name = "gpujs";
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly timeoutMs: number;
  private expected = 0;
  private destroyed = false;
  private readonly hostInfo: BackendInfo;

  constructor(options: WebGpuBridgeOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    // Dawn reads EGL_PLATFORM from the C environment, which only the main thread's process.env writes.
    process.env.EGL_PLATFORM ??= "surfaceless";
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(hostScript(), {
      workerData: {
        port: port2,
        control: this.signal.buffer,
        dawnOptions: options.dawnOptions ?? ["backend=opengles"],
      },
      transferList: [port2],
    });
    // An idle host must not keep the process alive.
    this.worker.unref();
    this.port.unref();
    this.hostInfo = this.await("start") as BackendInfo;
  }

  info(): BackendInfo {
    return this.hostInfo;
  }

  /** The worker's gpu.js storage is float32 already; answered here, so the handle keeps its identity. */
  roundToFloat32(h: RemoteHandle): RemoteHandle {
    return h;
  }

  /**
   * Ends the worker (and Dawn's device with it). Tensors of this backend that are still alive free
   * nothing from then on (their storage went with the worker); any other primitive is an error.
   */
  destroy(): void {
    this.destroyed = true;
    void this.worker.terminate();
  }

  /**
   * Frees a tensor in the worker without waiting for an answer: a dispose has no result, and it is
   * often called by the garbage collector's finalizers, which must never block on the worker or throw.
   * The worker serves requests in order, so a later call never sees the handle alive.
   */
  dispose(handle: RemoteHandle): void {
    if (!this.destroyed) this.post("dispose", [handle], false);
  }

  /** Sends one primitive call and blocks until the host answers it (each primitive method is this under its name). */
  request(method: string, args: readonly unknown[]): unknown {
    if (this.destroyed) throw new Error(`webgpu bridge: ${method} called after the bridge was destroyed`);
    this.post(method, args, true);
    return this.await(method);
  }

  private post(method: string, args: readonly unknown[], reply: boolean): void {
    const encoded = encodeArgs(args, (v) => (v instanceof RemoteHandle ? v.id : undefined));
    this.port.postMessage({ method, args: encoded, reply } satisfies BridgeRequest);
  }

  private await(what: string): unknown {
    this.expected++;
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const seen = Atomics.load(this.signal, RESPONSES);
      if (seen >= this.expected) break;
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.signal, RESPONSES, seen, left) === "timed-out") {
        throw new Error(
          `webgpu bridge: ${what} got no answer from the WebGPU worker within ${this.timeoutMs / 1000} s`,
        );
      }
    }
    // The host posts before it counts, so the answer is queued by now; a message hop may still lag a moment.
    let message = receiveMessageOnPort(this.port);
    while (message === undefined && Date.now() < deadline) {
      Atomics.wait(this.signal, RESPONSES, Atomics.load(this.signal, RESPONSES), 1);
      message = receiveMessageOnPort(this.port);
    }
    if (message === undefined) throw new Error(`webgpu bridge: ${what} was answered, but the answer never arrived`);
    const response = message.message as BridgeResponse;
    if ("error" in response) throw new Error(`gpujs backend (webgpu mode): ${response.error}`);
    return "handle" in response ? new RemoteHandle(response.handle) : response.value;
  }
}

/** Every primitive of the backend interface; the type check below fails the build when one is missing. */
const PRIMITIVES = [
  "upload",
  "read",
  "readFloat64",
  "cast",
  "unary",
  "binary",
  "where",
  "reduce",
  "argReduce",
  "matmul",
  "conv2d",
  "conv2dBackpropInput",
  "conv2dBackpropFilter",
  "pool2d",
  "maxPool2dBackward",
  "avgPool2dBackward",
  "strided",
  "pad",
  "concat",
  "gather",
  "scatterAdd",
] as const;
requireAll<
  Exclude<
    keyof Backend,
    | "name"
    | "info"
    | "roundToFloat32"
    | "memoryUsage"
    | "residentGrowth"
    // Defined on the class: it waits for no answer.
    | "dispose"
    // Optional fused kernels: the op layer composes primitives without them.
    | "adamStep"
    | "dropoutMask"
    | "biasRelu"
    | "reluBackward"
    | "recurrentScan"
    | "recurrentScanBackward"
    | "layerNorm"
    | "layerNormBackward"
    | "softmax"
    | "softmaxBackward"
    | "logSoftmaxBackward"
    | (typeof PRIMITIVES)[number]
  >
>();

for (const method of PRIMITIVES) {
  Object.defineProperty(WebGpuBridge.prototype, method, {
    value(this: WebGpuBridge, ...args: unknown[]): unknown {
      return this.request(method, args);
    },
  });
}

/** Compiles only when `Missing` is never. */
function requireAll<Missing extends never>(): Missing[] {
  return [];
}

/** The compiled host script: beside this file in dist/, or under dist/ when running from TypeScript sources (vitest). */
function hostScript(): string {
  const candidates = [
    join(__dirname, "webgpu_host.js"),
    join(__dirname, "..", "..", "..", "dist", "runtime", "backend", "gpujs", "webgpu_host.js"),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined)
    throw new Error(`webgpu bridge: ${candidates.join(" or ")} is missing; run \`npm run build\` first`);
  return found;
}
