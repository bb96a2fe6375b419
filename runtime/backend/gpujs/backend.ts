/**
 * The gpu.js backend: every primitive of the backend interface is a gpu.js
 * kernel, generated for the concrete shapes of a call and compiled once per
 * shape (see kernel_cache.ts). gpu.js picks where kernels run: headless-gl or
 * WebGL2 on a GPU, WebAssembly SIMD ("webasm") on a CPU, plain JavaScript
 * ("cpu") as the last resort. Nothing here computes tensor values in
 * JavaScript outside a kernel: when gpu.js cannot run a primitive, it fails.
 *
 * gpu.js itself is loaded by the constructor, never at import time, so that
 * importing the runtime stays cheap (the registry builds backends lazily).
 *
 * Data: float32 everywhere; int32 tensors are held as float32 too (no gpu.js
 * target has integer storage), which keeps integers exact up to 2^24 in
 * magnitude. Indices: gpu.js's WebAssembly and GL targets compute them in
 * float32 too, so kernels that compute indices refuse tensors above 2^24
 * elements there (elementwise ops, contiguous slices and gathers of rows
 * stay exact at any size; see MAX_EXACT_INDEX).
 *
 * WebGPU: gpu.js's webgpu kernels return Promises (a WebGPU read is
 * asynchronous only), and the backend interface is synchronous. Constructed
 * with mode "webgpu", this class leaves each result pending until `settle`;
 * only the WebGPU host worker (webgpu_host.ts) does that, awaiting every
 * primitive before the next, and webgpu_bridge.ts offers it synchronously.
 */
import type * as GpuJs from "gpu.js";
import type { GPU } from "gpu.js";
import type {
  Backend,
  BackendInfo,
  BinaryOp,
  Conv2DGeometry,
  DType,
  Pool2DGeometry,
  ReduceOp,
  Shape,
  TypedData,
  UploadData,
  UnaryOp,
  View,
} from "../backend";
import { conv2dBackpropFilterSpec, conv2dBackpropInputSpec, conv2dSpec } from "./conv";
import { binarySpec, castSpec, unarySpec, whereSpec } from "./elementwise";
import { KernelCache, type DeviceValue, type KernelClass } from "./kernel_cache";
import { matmulSpec } from "./matmul";
import { CONCAT_MAX_INPUTS, concatSpec, gatherSpec, padSpec, scatterAddSpec, stridedSpec } from "./movement";
import { avgPool2dBackwardSpec, maxPool2dBackwardSpec, pool2dSpec } from "./pool";
import { argReduceSpec, REDUCE_IDENTITY, reduceSpec } from "./reduce";
import type { KernelSpec } from "./source";

/** gpu.js modes this backend can run in; "gpu" lets gpu.js choose the best one available. */
export type GpuJsMode = "gpu" | "headlessgl" | "webgl2" | "webgl" | "webasm" | "cpu";

export const GPUJS_MODES: readonly GpuJsMode[] = ["gpu", "headlessgl", "webgl2", "webgl", "webasm", "cpu"];

/** Modes whose kernels keep results on a GPU as textures. */
const DEVICE_MODES = new Set(["headlessgl", "webgl2", "webgl"]);

export interface GpuJsBackendOptions {
  /** Which gpu.js mode to run; default "gpu" (gpu.js picks). "webgpu": see the file comment. */
  mode?: GpuJsMode | "webgpu";
}

/**
 * Storage of one tensor: a flat float32 array on CPU modes, a texture on GPU
 * modes (a host array there too above 2^24 elements; see MAX_EXACT_INDEX).
 */
export class GpuJsStorage {
  constructor(public value: DeviceValue | Promise<DeviceValue> | null) {}
}

export class GpuJsBackend implements Backend<GpuJsStorage> {
  readonly name = "gpujs";
  /** The mode gpu.js actually runs ("webasm", "cpu", "headlessgl", ...). */
  readonly mode: string;
  private readonly gpu: GPU;
  private readonly kernels: KernelCache;
  private readonly simd: boolean;

  constructor(options: GpuJsBackendOptions = {}) {
    const requested = options.mode ?? "gpu";
    if (requested !== "webgpu" && !GPUJS_MODES.includes(requested)) {
      throw new Error(`gpujs backend: unknown mode "${requested}"; use one of ${GPUJS_MODES.join(", ")}`);
    }
    // Loaded here, not at import time: see the file comment.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when this backend is built, never at import (see the file comment)
    const gpujs = require("gpu.js") as typeof GpuJs;
    this.gpu = new gpujs.GPU({ mode: requested });
    const kernelClass = chosenKernel(this.gpu);
    this.mode = modeName(gpujs, kernelClass);
    // isSIMDSupported exists at run time but not in gpu.js's typings.
    const wasmKernel = gpujs.WebAssemblyKernel as unknown as { isSIMDSupported?: boolean };
    this.simd = this.mode === "webasm" && wasmKernel.isSIMDSupported === true;
    this.kernels = new KernelCache(this.gpu, gpujs.Input, kernelClass, this.mode, DEVICE_MODES.has(this.mode));
  }

  info(): BackendInfo {
    // Kernels run synchronously, and gpu.js spreads webasm work over threads only for asynchronous calls.
    return { name: this.name, mode: this.mode, threads: 1, simd: this.simd };
  }

  /** Kernels compiled so far (compilation is cached per generated source). */
  get compiledKernels(): number {
    return this.kernels.compileCount;
  }

  /** Destroys the compiled kernels and gpu.js's context. */
  destroy(): void {
    this.kernels.clear();
    void this.gpu.destroy();
  }

  // ----- storage -----

  upload(values: UploadData, _dtype: DType): GpuJsStorage {
    const host = Float32Array.from(values);
    if (!DEVICE_MODES.has(this.mode) || host.length === 0 || host.length > MAX_EXACT_INDEX)
      return new GpuJsStorage(host);
    return this.launch("upload", castSpec(host.length, false), [host]);
  }

  /** Waits for a webgpu result (mode "webgpu" only; other modes' results are ready). */
  async settle(h: GpuJsStorage): Promise<void> {
    h.value = await h.value;
  }

  read(h: GpuJsStorage, size: number, dtype: DType): TypedData {
    const flat = valueOf(h);
    const host = flat instanceof Float32Array ? flat : (flat.toArray() as Float32Array);
    const values = host.subarray(0, size);
    return dtype === "int32" ? Int32Array.from(values) : Float32Array.from(values);
  }

  readFloat64(h: GpuJsStorage, size: number, dtype: DType): Float64Array {
    return Float64Array.from(this.read(h, size, dtype));
  }

  /** Float data is float32 here already. */
  roundToFloat32(h: GpuJsStorage): GpuJsStorage {
    return h;
  }

  dispose(h: GpuJsStorage): void {
    const value = h.value;
    h.value = null;
    // A pending webgpu result settles into a host array: nothing to free on a device.
    if (value !== null && !(value instanceof Float32Array) && !(value instanceof Promise)) value.delete();
  }

  // ----- elementwise -----

  cast(x: GpuJsStorage, size: number, from: DType, to: DType): GpuJsStorage {
    return this.launch("cast", castSpec(size, from === "float32" && to === "int32"), [valueOf(x)]);
  }

  unary(op: UnaryOp, x: GpuJsStorage, size: number, alpha = 0): GpuJsStorage {
    return this.launch(`unary ${op}`, unarySpec(op, size, alpha), [valueOf(x)]);
  }

  binary(op: BinaryOp, a: GpuJsStorage, aShape: Shape, b: GpuJsStorage, bShape: Shape, outShape: Shape): GpuJsStorage {
    return this.launch(`binary ${op}`, binarySpec(op, aShape, bShape, outShape), [valueOf(a), valueOf(b)]);
  }

  where(
    cond: GpuJsStorage,
    condShape: Shape,
    a: GpuJsStorage,
    aShape: Shape,
    b: GpuJsStorage,
    bShape: Shape,
    outShape: Shape,
  ): GpuJsStorage {
    return this.launch("where", whereSpec(condShape, aShape, bShape, outShape), [
      valueOf(cond),
      valueOf(a),
      valueOf(b),
    ]);
  }

  // ----- reductions -----

  reduce(op: ReduceOp, x: GpuJsStorage, shape: Shape, axes: readonly number[]): GpuJsStorage {
    if (axes.some((a) => shape[a] === 0)) {
      const outSize = shape.reduce((n, d, i) => (axes.includes(i) ? n : n * d), 1);
      return this.upload(new Float32Array(outSize).fill(REDUCE_IDENTITY[op]), "float32");
    }
    return this.launch(`reduce ${op}`, reduceSpec(op, shape, axes), [valueOf(x)]);
  }

  argReduce(op: "argmax" | "argmin", x: GpuJsStorage, shape: Shape, axis: number): GpuJsStorage {
    return this.launch(`${op}`, argReduceSpec(op, shape, axis), [valueOf(x)]);
  }

  // ----- linear algebra -----

  matmul(
    a: GpuJsStorage,
    aShape: readonly [number, number, number],
    b: GpuJsStorage,
    bShape: readonly [number, number, number],
    transA: boolean,
    transB: boolean,
    batch: number,
  ): GpuJsStorage {
    return this.launch("matmul", matmulSpec({ aShape, bShape, transA, transB, batch }), [valueOf(a), valueOf(b)]);
  }

  // ----- convolution -----

  conv2d(x: GpuJsStorage, filter: GpuJsStorage, g: Conv2DGeometry): GpuJsStorage {
    return this.launch("conv2d", conv2dSpec(g), [valueOf(x), valueOf(filter)]);
  }

  conv2dBackpropInput(dy: GpuJsStorage, filter: GpuJsStorage, g: Conv2DGeometry): GpuJsStorage {
    return this.launch("conv2dBackpropInput", conv2dBackpropInputSpec(g), [valueOf(dy), valueOf(filter)]);
  }

  conv2dBackpropFilter(x: GpuJsStorage, dy: GpuJsStorage, g: Conv2DGeometry): GpuJsStorage {
    return this.launch("conv2dBackpropFilter", conv2dBackpropFilterSpec(g), [valueOf(x), valueOf(dy)]);
  }

  // ----- pooling -----

  pool2d(op: "max" | "avg", x: GpuJsStorage, g: Pool2DGeometry): GpuJsStorage {
    return this.launch(`pool2d ${op}`, pool2dSpec(op, g), [valueOf(x)]);
  }

  maxPool2dBackward(dy: GpuJsStorage, x: GpuJsStorage, g: Pool2DGeometry): GpuJsStorage {
    return this.launch("maxPool2dBackward", maxPool2dBackwardSpec(g), [valueOf(dy), valueOf(x)]);
  }

  avgPool2dBackward(dy: GpuJsStorage, g: Pool2DGeometry): GpuJsStorage {
    return this.launch("avgPool2dBackward", avgPool2dBackwardSpec(g), [valueOf(dy)]);
  }

  // ----- movement -----

  strided(x: GpuJsStorage, _dtype: DType, v: View): GpuJsStorage {
    return this.launch("strided", stridedSpec(v), [valueOf(x)]);
  }

  pad(x: GpuJsStorage, shape: Shape, before: readonly number[], after: readonly number[], value: number): GpuJsStorage {
    return this.launch("pad", padSpec(shape, before, after), [valueOf(x), Float32Array.of(value)]);
  }

  concat(inputs: readonly { data: GpuJsStorage; shape: Shape }[], axis: number, dtype: DType): GpuJsStorage {
    const nonEmpty = inputs.filter((t) => t.shape[axis] !== 0);
    if (nonEmpty.length === 0) return this.empty();
    if (nonEmpty.length <= CONCAT_MAX_INPUTS) {
      return this.launch(
        "concat",
        concatSpec(
          nonEmpty.map((t) => t.shape),
          axis,
        ),
        nonEmpty.map((t) => valueOf(t.data)),
      );
    }
    // Join in rounds of CONCAT_MAX_INPUTS; concatenation is associative, so the result is the same.
    const partial: { data: GpuJsStorage; shape: Shape }[] = [];
    for (let i = 0; i < nonEmpty.length; i += CONCAT_MAX_INPUTS) {
      const group = nonEmpty.slice(i, i + CONCAT_MAX_INPUTS);
      const shape = [...group[0].shape];
      shape[axis] = group.reduce((acc, t) => acc + t.shape[axis], 0);
      partial.push({ data: this.concat(group, axis, dtype), shape });
    }
    const joined = this.concat(partial, axis, dtype);
    for (const p of partial) this.dispose(p.data);
    return joined;
  }

  gather(
    x: GpuJsStorage,
    shape: Shape,
    _dtype: DType,
    indices: GpuJsStorage,
    count: number,
    axis: number,
  ): GpuJsStorage {
    const data = valueOf(x);
    // Host arrays (CPU modes) can be read as matrices; see gatherSpec.
    const asMatrix = data instanceof Float32Array && data.length > 0;
    return this.launch("gather", gatherSpec(shape, count, axis, asMatrix), [data, valueOf(indices)]);
  }

  scatterAdd(updates: GpuJsStorage, indices: GpuJsStorage, count: number, axis: number, shape: Shape): GpuJsStorage {
    return this.launch("scatterAdd", scatterAddSpec(shape, count, axis), [valueOf(updates), valueOf(indices)]);
  }

  // ----- helpers -----

  /** Runs a kernel for primitive `op`; an empty output needs no kernel at all. */
  private launch(op: string, spec: KernelSpec, args: readonly DeviceValue[]): GpuJsStorage {
    if (spec.outSize === 0) return this.empty();
    if (this.mode !== "cpu") {
      const largest = spec.indexBound ?? Math.max(spec.outSize, ...args.map(lengthOf));
      if (largest > MAX_EXACT_INDEX) {
        throw new Error(
          `gpujs backend: ${op} would index a tensor of ${largest} elements, but gpu.js's ${this.mode} mode computes ` +
            `indices in float32, exact only up to ${MAX_EXACT_INDEX} (2^24) elements; work on smaller tensors ` +
            `(for example batches), or use another backend: nn.setBackend("wasm") or nn.setBackend("reference")`,
        );
      }
    }
    const result = this.kernels.run(spec, args);
    if (result instanceof Promise || result instanceof Float32Array || spec.outSize <= MAX_EXACT_INDEX)
      return new GpuJsStorage(result);
    // A GPU mode keeps results above 2^24 elements in host memory, where kernels can still address
    // them exactly as matrices (a data set that training batches are gathered from).
    const host = result.toArray() as Float32Array;
    result.delete();
    return new GpuJsStorage(host);
  }

  private empty(): GpuJsStorage {
    return new GpuJsStorage(new Float32Array(0));
  }
}

/**
 * gpu.js's WebAssembly and GL targets hold every declared kernel variable in
 * float32 (only expressions directly on this.thread stay integer), so
 * computed indices are exact only up to 2^24. The cpu mode computes in
 * JavaScript doubles and has no such limit.
 */
const MAX_EXACT_INDEX = 2 ** 24;

/** Elements of a kernel argument: an array's length, or a texture's output size. */
function lengthOf(value: DeviceValue): number {
  if (value instanceof Float32Array) return value.length;
  return (value as unknown as { output: number[] }).output.reduce((a, b) => a * b, 1);
}

function valueOf(h: GpuJsStorage): DeviceValue {
  if (h.value === null) throw new Error("gpujs backend: a tensor's storage was used after dispose");
  if (h.value instanceof Promise) throw new Error("gpujs backend: a webgpu result was used before settle() finished");
  return h.value;
}

/** The kernel class gpu.js chose (for mode "gpu", the best one supported here). */
function chosenKernel(gpu: GPU): KernelClass {
  const chosen = (gpu as unknown as { Kernel?: KernelClass }).Kernel;
  if (typeof chosen !== "function") throw new Error("gpujs backend: gpu.js did not report the kernel type it chose");
  return chosen;
}

/** The mode's name: gpu.js's GL kernels all call themselves "gpu", so those are told apart by class. */
function modeName(gpujs: typeof GpuJs, kernelClass: KernelClass): string {
  if (kernelClass === gpujs.HeadlessGLKernel) return "headlessgl";
  if (kernelClass === gpujs.WebGL2Kernel) return "webgl2";
  if (kernelClass === gpujs.WebGLKernel) return "webgl";
  return kernelClass.mode ?? "unknown";
}
