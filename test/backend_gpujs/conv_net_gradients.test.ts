import { afterAll, describe, it } from "vitest";
import { setBackend } from "../../runtime/backend/registry";
import { convNetGradients, expectGradientsClose } from "./conv_net";
import { CPU_MODES, gpujsBackendName } from "./modes";

/**
 * The gpu.js side computes in float32 through a dozen primitives and their
 * backward passes, so each gradient element may differ from the float64
 * reference by the float32 rounding those accumulate: rtol 1e-3, atol 1e-5
 * (a float32 sum of n terms is off by up to about n * 6e-8 relative; the
 * longest sums here have a few hundred terms).
 */
const RTOL = 1e-3;
const ATOL = 1e-5;

afterAll(() => {
  setBackend("reference");
});

describe.each(CPU_MODES)("gpu.js %s mode", (mode) => {
  it("computes the loss and every gradient of a small conv net as the reference does", () => {
    expectGradientsClose(convNetGradients(gpujsBackendName(mode)), convNetGradients("reference"), RTOL, ATOL);
  });
});
