/**
 * Operand handling shared by the ops: numbers to scalar tensors, int32 to
 * float32, axis normalization, broadcast shapes and their adjoint (summing a
 * gradient back to an input's shape).
 */
import { currentBackend } from "../backend/registry";
import { shapeString, type Shape } from "../backend/backend";
import { Tensor, castTo, compute, fromValues, type TensorLike } from "../tensor/core";

/** `x` as a tensor (a number becomes a float32 scalar). */
export function toTensor(x: TensorLike): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return fromValues(Float32Array.of(x), [], "float32");
  throw new TypeError(`expected a Tensor or a number, got ${describe(x)}`);
}

/** `x` as float32 data: int32 tensors are cast (without a graph: int32 tensors carry no gradient). */
export function toFloat(x: TensorLike): Tensor {
  return castTo(toTensor(x), "float32");
}

/** An axis in [0, rank), accepting negative axes counted from the end. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank} (valid: ${-rank}..${rank - 1})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Sorted, distinct axes; undefined means every axis. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === "number" ? [axes] : axes;
  const normalized = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(normalized).size !== normalized.length) {
    throw new Error(`${op}: axes [${list.join(",")}] repeat an axis`);
  }
  return normalized.sort((a, b) => a - b);
}

/** NumPy's broadcast of two shapes, or an error naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: ${shapeString(a)} and ${shapeString(b)} cannot be broadcast: ` +
          `dimension ${i - rank} is ${da} and ${db} (sizes must match or one must be 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Sums a gradient of the broadcast shape back to `shape`: the adjoint of
 * broadcasting. Returns `grad` itself when no dimension was broadcast.
 */
export function unbroadcast(grad: Tensor, shape: Shape): Tensor {
  if (grad.shape.length === shape.length && grad.shape.every((d, i) => d === shape[i])) return grad;
  const lead = grad.shape.length - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < grad.shape.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) axes.push(i);
  }
  const b = currentBackend();
  const summed =
    axes.length === 0
      ? grad
      : compute(
          "sum",
          grad.shape.filter((_, i) => !axes.includes(i)),
          "float32",
          () => b.reduce("sum", grad.dataOn(b), grad.shape, axes),
        );
  return summed.view(shape);
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array (wrap it with nn.tensor(...))";
  return typeof x;
}
