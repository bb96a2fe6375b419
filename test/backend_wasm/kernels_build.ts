/**
 * Builds the wasm kernels before a suite runs, so the tests always exercise
 * the current AssemblyScript sources (the .wasm is a build artefact).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { Conv2DGeometry } from "../../runtime/backend/backend";

export function buildWasmKernels(): void {
  const script = join(__dirname, "..", "..", "runtime", "backend", "wasm", "build.mjs");
  execFileSync(process.execPath, [script], { stdio: "inherit" });
}

/** Deterministic values in [-1, 1) (a tiny LCG, so failures reproduce). */
export function randomValues(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Largest |got - want| / (1 + |want|) in units of `relative`; NaN must meet NaN and Infinity the same Infinity. */
export function worstError(got: ArrayLike<number>, want: ArrayLike<number>, relative: number): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const same = Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])) || got[i] === want[i];
    const err = same ? 0 : Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst / relative;
}

/** A convolution's geometry: square stride, symmetric padding and dilation, the output size that follows. */
export function convGeometry(
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  outC: number,
  fh: number,
  fw: number,
  stride: number,
  pad: number,
  dilation = 1,
): Conv2DGeometry {
  const span = (f: number): number => (f - 1) * dilation + 1;
  return {
    batch,
    inHeight: inH,
    inWidth: inW,
    inChannels: inC,
    outChannels: outC,
    filterHeight: fh,
    filterWidth: fw,
    outHeight: Math.floor((inH + 2 * pad - span(fh)) / stride) + 1,
    outWidth: Math.floor((inW + 2 * pad - span(fw)) / stride) + 1,
    strideHeight: stride,
    strideWidth: stride,
    dilationHeight: dilation,
    dilationWidth: dilation,
    padTop: pad,
    padLeft: pad,
  };
}
