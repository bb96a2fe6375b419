/**
 * Keras's Orthogonal initializer (the default for recurrent kernels): a
 * random orthogonal matrix, so repeated multiplication by the recurrent
 * kernel neither blows up nor shrinks the state at the start of training.
 */
import { deserializeInitializer, getInitializer, type Initializer, type InitializerIdentifier } from "../initializers";
import { randomNormal } from "../utils/random";

export class Orthogonal implements Initializer {
  readonly className = "Orthogonal";
  readonly gain: number;

  constructor(options: { gain?: number } = {}) {
    this.gain = options.gain ?? 1;
  }

  getConfig(): Record<string, unknown> {
    return { gain: this.gain };
  }

  /**
   * The weight is read as a matrix [product of leading axes, last axis]; its
   * rows (or columns, whichever are fewer) are orthonormal, times `gain`.
   */
  generate(shape: readonly number[]): Float32Array {
    const cols = shape[shape.length - 1] ?? 1;
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const [n, m] = rows < cols ? [cols, rows] : [rows, cols];
    const q = orthonormalColumns(n, m);
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out[i * cols + j] = this.gain * (rows < cols ? q[j * m + i] : q[i * m + j]);
    }
    return out;
  }
}

/** `m` orthonormal columns of length `n` (n >= m), row-major [n, m]: modified Gram-Schmidt on a normal draw, as a QR with sign(diag R) > 0. */
function orthonormalColumns(n: number, m: number): Float64Array {
  const a = new Float64Array(n * m);
  for (let i = 0; i < a.length; i++) a[i] = randomNormal();
  for (let j = 0; j < m; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += a[i * m + j] * a[i * m + k];
      for (let i = 0; i < n; i++) a[i * m + j] -= dot * a[i * m + k];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += a[i * m + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < n; i++) a[i * m + j] /= norm;
  }
  return a;
}

/** An initializer from an identifier, knowing "orthogonal" (which keras.initializers does not list) and its saved form. */
export function withOrthogonal(
  id: InitializerIdentifier | { className: string; config: Record<string, unknown> } | undefined,
  fallback: InitializerIdentifier,
): Initializer {
  if (id === undefined) return getInitializer(fallback);
  if (typeof id === "string")
    return id.replace(/_/g, "").toLowerCase() === "orthogonal" ? new Orthogonal() : getInitializer(id);
  if ("generate" in id) return id;
  return id.className === "Orthogonal" ? new Orthogonal(id.config) : deserializeInitializer(id);
}
