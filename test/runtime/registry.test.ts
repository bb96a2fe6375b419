import { afterEach, describe, expect, it } from "vitest";
import { nn } from "../../runtime/nn";
import { currentBackend, registerBackend, selectionFailures } from "../../runtime/backend/registry";
import { ReferenceBackend } from "../../runtime/backend/reference";

/** A second reference instance under another name: a stand-in for a faster backend. */
class RenamedReference extends ReferenceBackend {
  constructor(readonly alias: string) {
    super();
  }
  override info() {
    return { ...super.info(), name: this.alias };
  }
}

describe("backend registry", () => {
  afterEach(() => nn.setBackend("reference"));

  it("reports the backend's name, mode, threads and SIMD", () => {
    expect(nn.backend().name).toBe(currentBackend().name);
    nn.setBackend("reference");
    expect(nn.backend()).toEqual({ name: "reference", mode: "js-float64", threads: 1, simd: false });
  });

  it("picks a backend faster than the reference automatically when one is registered", () => {
    expect(nn.listBackends().indexOf(nn.setBackend("auto").name)).toBeLessThan(nn.listBackends().indexOf("reference"));
  });

  it("setBackend switches backends, and tensors made on the old one move on first use", () => {
    registerBackend({ name: "copy", priority: -1, create: () => new RenamedReference("copy") });
    const x = nn.tensor([1, 2, 3]);
    expect(nn.setBackend("copy").name).toBe("copy");
    const y = nn.mul(x, 2);
    expect(y.storage.backend).toBe(currentBackend());
    expect(x.storage.backend).toBe(currentBackend());
    expect(y.toArray()).toEqual([2, 4, 6]);
  });

  it("names the reason when a backend cannot start", () => {
    registerBackend({
      name: "broken",
      priority: -2,
      create: () => {
        throw new Error("no GPU here");
      },
    });
    expect(() => nn.setBackend("broken")).toThrow('nn.setBackend: backend "broken" cannot run here: no GPU here');
  });

  it("'auto' picks the highest-priority backend that starts, remembering why others did not", () => {
    registerBackend({ name: "fast", priority: 50, create: () => new RenamedReference("fast") });
    registerBackend({
      name: "faster-but-broken",
      priority: 60,
      create: () => {
        throw new Error("no WebGPU adapter");
      },
    });
    const names = nn.listBackends();
    expect(names.slice(0, 2)).toEqual(["faster-but-broken", "fast"]);
    expect(nn.setBackend("auto").name).toBe("fast");
    expect(selectionFailures().get("faster-but-broken")).toContain("no WebGPU adapter");
  });
});
