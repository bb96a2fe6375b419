import { ReferenceBackend } from "../../runtime/backend/reference";
import { backendConformance } from "./backend_conformance";

// The suite run on the reference itself: it must pass exactly, which checks the suite's own plumbing
// (inputs, geometry, comparisons) before other backends rely on it.
backendConformance("reference (self-check)", () => new ReferenceBackend(), { atol: 0, rtol: 0 });
