/**
 * Compiled gpu.js kernels, keyed by their generated source. Compiling is the
 * slow part of a gpu.js call (parsing, type inference, code generation), and
 * a training loop calls the same few shapes every step, so each distinct
 * source is compiled once and kept; the least recently used kernels are
 * destroyed past a bound so that a notebook sweeping over shapes does not
 * pin memory (webasm kernels each hold a WebAssembly.Memory).
 */
import type { GPU, IGPUKernelSettings, IKernelRunShortcut, Input, KernelVariable, Texture } from "gpu.js";
import type { KernelSpec } from "./source";

/** What a kernel reads and returns: host arrays on CPU modes, textures or buffers on GPU modes. */
export type DeviceValue = Float32Array | Texture;

/** A gpu.js kernel class (WebAssemblyKernel, CPUKernel, HeadlessGLKernel, ...). */
export type KernelClass = (abstract new (...args: never[]) => unknown) & { mode?: string };

/** Kernels kept compiled at once. */
const DEFAULT_LIMIT = 512;

export class KernelCache {
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  private compiles = 0;

  /**
   * @param gpu the gpu.js instance (its mode decides the target)
   * @param Matrix gpu.js's Input class, which gives a flat array the shape a kernel reads it with
   * @param kernelClass the kernel class gpu.js chose for that mode: every kernel must run as one
   * @param mode the mode's name, for messages
   * @param pipeline keep results on the device (GPU modes): kernels return textures, not arrays
   */
  constructor(
    private readonly gpu: GPU,
    private readonly Matrix: typeof Input,
    private readonly kernelClass: KernelClass,
    private readonly mode: string,
    private readonly pipeline: boolean,
    private readonly limit = DEFAULT_LIMIT,
  ) {}

  /** Runs `spec` on `args` (in the order of the source's parameters) and returns its flat output (a Promise of it in webgpu mode). */
  run(spec: KernelSpec, args: readonly DeviceValue[]): DeviceValue | Promise<DeviceValue> {
    const before = this.compiles;
    const key = keyOf(spec, args);
    const compiled = this.get(key, spec);
    const result = compiled(...args.map((arg, i) => this.argument(arg, spec.matrices?.[i]))) as unknown;
    if (this.compiles !== before) this.checkMode(compiled, key, spec);
    if (result instanceof Float32Array) return result;
    if (isTexture(result)) return result;
    if (result instanceof Promise) return result.then((value: unknown) => flatOutput(value, spec));
    throw new Error(`gpujs backend: a kernel returned ${describe(result)} instead of a flat Float32Array or texture`);
  }

  /** A kernel argument as gpu.js takes it: empty arrays padded, matrices wrapped with their shape. */
  private argument(arg: DeviceValue, rowLength: number | undefined): KernelVariable {
    if (!(arg instanceof Float32Array)) return arg;
    if (arg.length === 0) return PLACEHOLDER;
    // gpu.js reads the typed array as it is; its typings ask for number[].
    return rowLength === undefined
      ? arg
      : new this.Matrix(arg as unknown as number[], [rowLength, arg.length / rowLength]);
  }

  /** How many kernels were compiled so far (tests use it to check caching). */
  get compileCount(): number {
    return this.compiles;
  }

  /** Destroys every compiled kernel. */
  clear(): void {
    for (const k of this.kernels.values()) k.destroy();
    this.kernels.clear();
  }

  /**
   * gpu.js quietly runs a kernel it cannot translate in its plain-JS "cpu"
   * mode instead (with a console warning). A primitive of this backend must
   * run where gpu.js was asked to run it, so that is an error here: it means
   * a generated kernel uses something the target cannot express.
   */
  private checkMode(compiled: IKernelRunShortcut, key: string, spec: KernelSpec): void {
    const ran = compiled.kernel as unknown as { constructor: KernelClass; fallbackReason?: string | null };
    if (ran instanceof this.kernelClass) return;
    this.kernels.delete(key);
    compiled.destroy();
    throw new Error(
      `gpujs backend: gpu.js ran a kernel in mode "${ran.constructor.mode}" instead of "${this.mode}"` +
        `${ran.fallbackReason ? ` (${ran.fallbackReason})` : ""}; kernel source:\n${spec.source}`,
    );
  }

  private get(key: string, spec: KernelSpec): IKernelRunShortcut {
    const hit = this.kernels.get(key);
    if (hit) {
      // Map iteration order is insertion order: re-inserting marks it most recently used.
      this.kernels.delete(key);
      this.kernels.set(key, hit);
      return hit;
    }
    const settings: IGPUKernelSettings & { loopMaxIterations: number } = {
      output: [spec.outSize],
      precision: "single",
      tactic: "precision",
      pipeline: this.pipeline,
      // Every call gets a fresh output: a handle must stay valid until disposed.
      immutable: true,
      // GL targets cap loops they cannot prove bounded (an option gpu.js's typings omit); every loop here has literal bounds.
      loopMaxIterations: 1 << 30,
    };
    const compiled = this.gpu.createKernel(spec.source, settings);
    this.compiles++;
    this.kernels.set(key, compiled);
    if (this.kernels.size > this.limit) {
      const [oldestKey, oldest] = this.kernels.entries().next().value as [string, IKernelRunShortcut];
      this.kernels.delete(oldestKey);
      oldest.destroy();
    }
    return compiled;
  }
}

/**
 * A compiled gpu.js kernel fixes the sizes of its arguments as well as its
 * output (it throws "changed size" otherwise), and one source can read
 * storages of different lengths: a slice's storage may be longer than the
 * elements it uses. So argument lengths are part of the key.
 */
function keyOf(spec: KernelSpec, args: readonly DeviceValue[]): string {
  // A texture's output size exists at run time; gpu.js's typings omit it.
  const lengths = args.map((arg) =>
    arg instanceof Float32Array ? arg.length : String((arg as Texture & { output?: number[] }).output),
  );
  return `${spec.outSize}|${lengths.join(",")}|${spec.source}`;
}

/** A kernel never reads an empty argument (its loops run zero times), but gpu.js rejects empty arrays. */
const PLACEHOLDER = new Float32Array(1);

/** A webgpu kernel's settled output: a flat Float32Array for the one-dimensional outputs used here. */
function flatOutput(value: unknown, spec: KernelSpec): DeviceValue {
  if (value instanceof Float32Array) return value;
  throw new Error(
    `gpujs backend: a webgpu kernel gave ${describe(value)} instead of a flat Float32Array; kernel source:\n${spec.source}`,
  );
}

function isTexture(value: unknown): value is Texture {
  return typeof value === "object" && value !== null && typeof (value as Texture).toArray === "function";
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return String(value);
  return value.constructor?.name ?? "an object";
}
