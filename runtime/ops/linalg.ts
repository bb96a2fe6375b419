/**
 * Matrix products: 2-D, batched with NumPy broadcasting of the batch
 * dimensions, and 1-D vectors promoted as NumPy's matmul does.
 */
import { currentBackend } from "../backend/registry";
import { shapeString, sizeOf } from "../backend/backend";
import { record } from "../autograd";
import { compute, type Tensor } from "../tensor/core";
import { broadcastShapes, toFloat } from "./operands";
import { sum } from "./reduce";
import { broadcastTo, reshape } from "./shape";

export interface MatmulOptions {
  /** Use the transpose of the last two axes of `a`. */
  transposeA?: boolean;
  /** Use the transpose of the last two axes of `b`. */
  transposeB?: boolean;
}

/**
 * a @ b over the last two axes: [..., m, k] x [..., k, n] -> [..., m, n], the
 * leading (batch) axes broadcast. A 1-D `a` is a row vector and a 1-D `b` a
 * column vector; their added axis is removed from the result.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const x = toFloat(a);
  const y = toFloat(b);
  if (x.rank === 0 || y.rank === 0) {
    throw new Error(
      `matmul: ${x.shapeString()} x ${y.shapeString()}: both operands need at least one axis (use mul for scalars)`,
    );
  }
  const tA = options.transposeA ?? false;
  const tB = options.transposeB ?? false;
  const x2 = x.rank === 1 ? reshape(x, tA ? [x.size, 1] : [1, x.size]) : x;
  const y2 = y.rank === 1 ? reshape(y, tB ? [1, y.size] : [y.size, 1]) : y;
  const [xr, xc] = x2.shape.slice(-2);
  const [yr, yc] = y2.shape.slice(-2);
  const [m, k] = tA ? [xc, xr] : [xr, xc];
  const [k2, n] = tB ? [yc, yr] : [yr, yc];
  if (k !== k2) {
    throw new Error(`matmul: ${x.shapeString()} x ${y.shapeString()}: inner dimensions ${k} and ${k2} differ`);
  }
  // Two matrices (every Dense layer) go to the primitive as they are: no reshaped views, no nodes for them.
  if (x.rank === 2 && y.rank === 2) return batchedMatmul(x, y, tA, tB, 1);
  const batchShape = broadcastShapes(
    `matmul: ${x.shapeString()} x ${y.shapeString()}: batch dimensions`,
    x2.shape.slice(0, -2),
    y2.shape.slice(0, -2),
  );
  const batch = sizeOf(batchShape);
  const out = batchedMatmul(toBatch3(x2, batchShape), toBatch3(y2, batchShape), tA, tB, batch);
  const outShape = [...batchShape, m, n];
  if (x.rank === 1) outShape.splice(outShape.length - 2, 1);
  if (y.rank === 1) outShape.splice(outShape.length - 1, 1);
  return reshape(out, outShape);
}

/** `t` ([..., r, c]) as [batch, r, c] or [1, r, c], broadcasting its batch axes when it has some but fewer than `batchShape`. */
function toBatch3(t: Tensor, batchShape: number[]): Tensor {
  const [r, c] = t.shape.slice(-2);
  const own = t.shape.slice(0, -2);
  if (sizeOf(own) === 1) return reshape(t, [1, r, c]);
  const full = own.length === batchShape.length && own.every((d, i) => d === batchShape[i]);
  const expanded = full ? t : broadcastTo(t, [...batchShape, r, c]);
  return reshape(expanded, [sizeOf(batchShape), r, c]);
}

/** The backend primitive on [B|1, r, c] operands, or on two matrices [r, c] (one entry), with its gradient. */
function batchedMatmul(a: Tensor, b: Tensor, tA: boolean, tB: boolean, batch: number): Tensor {
  const matrices = a.rank === 2 && b.rank === 2;
  const [aRows, aCols] = a.shape.slice(-2);
  const [bRows, bCols] = b.shape.slice(-2);
  const m = tA ? aCols : aRows;
  const n = tB ? bRows : bCols;
  const out = raw(a, b, tA, tB, batch, matrices ? [m, n] : [batch, m, n]);
  // An operand's gradient per batch entry (summed by sumBatchTo when one operand served every entry).
  const gradShape = (t: Tensor): readonly number[] => (matrices ? t.shape : [batch, ...t.shape.slice(-2)]);
  // Only the gradients some input needs (the first layer's input wants none: a product saved a step).
  return record("matmul", out, [a, b], (dy) => {
    const da = !a.requiresGrad
      ? null
      : tA
        ? raw(b, dy, tB, true, batch, gradShape(a))
        : raw(dy, b, false, !tB, batch, gradShape(a));
    const db = !b.requiresGrad
      ? null
      : tB
        ? raw(dy, a, true, tA, batch, gradShape(b))
        : raw(a, dy, !tA, false, batch, gradShape(b));
    return [da && sumBatchTo(da, a), db && sumBatchTo(db, b)];
  });
}

/** The backend primitive on `a` and `b` ([B|1, r, c], or [r, c] as one entry), giving a tensor of `shape`. */
function raw(a: Tensor, b: Tensor, tA: boolean, tB: boolean, batch: number, shape: readonly number[]): Tensor {
  const be = currentBackend();
  const as3 = as3d(a.shape);
  const bs3 = as3d(b.shape);
  return compute(`matmul: ${shapeString(a.shape)} x ${shapeString(b.shape)}`, shape, "float32", () =>
    be.matmul(a.dataOn(be), as3, b.dataOn(be), bs3, tA, tB, batch),
  );
}

function as3d(shape: readonly number[]): readonly [number, number, number] {
  return shape.length === 2 ? [1, shape[0], shape[1]] : (shape as [number, number, number]);
}

/** A gradient computed per batch entry, summed over the batch when the operand was shared by every entry. */
function sumBatchTo(grad: Tensor, operand: Tensor): Tensor {
  return operand.shape[0] === 1 && grad.shape[0] !== 1 ? sum(grad, 0, true) : grad;
}
