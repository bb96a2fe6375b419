import { describe, expect, it } from "vitest";
import { canonicalIdentifier, resolveIdentifier } from "../../runtime/keras/utils/identifiers";
import { computeFans, getInitializer } from "../../runtime/keras/initializers";
import { setRandomSeed } from "../../runtime/keras/utils/random";

describe("string identifiers", () => {
  it("accept Keras snake_case, camelCase and class names alike", () => {
    expect(canonicalIdentifier("categoricalCrossentropy")).toBe("categorical_crossentropy");
    expect(canonicalIdentifier("categorical_crossentropy")).toBe("categorical_crossentropy");
    expect(canonicalIdentifier("HeNormal")).toBe("he_normal");
    expect(canonicalIdentifier("RMSprop")).toBe("rmsprop");
    expect(canonicalIdentifier("MSE")).toBe("mse");
  });

  it("name the unknown identifier and list the known ones", () => {
    expect(() => resolveIdentifier("loss", "crossentropyy", { mse: 1, mae: 2 })).toThrow(
      'Unknown loss "crossentropyy". Known loss identifiers: "mae", "mse"',
    );
  });
});

describe("initializers", () => {
  it("compute fans as Keras does for dense and conv kernels", () => {
    expect(computeFans([784, 10])).toEqual([784, 10]);
    expect(computeFans([3, 3, 32, 64])).toEqual([288, 576]);
  });

  it("draw glorot_uniform from [-sqrt(6/(in+out)), +sqrt(6/(in+out))]", () => {
    setRandomSeed(1);
    const v = getInitializer("glorot_uniform").generate([100, 200]);
    const limit = Math.sqrt(6 / 300);
    expect(Math.max(...v)).toBeLessThanOrEqual(limit);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-limit);
    expect(Math.max(...v)).toBeGreaterThan(0.9 * limit);
  });

  it("draw he_normal with variance 2/fan_in, truncated at two standard deviations", () => {
    setRandomSeed(2);
    const v = getInitializer("heNormal").generate([3, 3, 32, 64]);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
    expect(variance).toBeCloseTo(2 / 288, 3);
    const bound = (2 * Math.sqrt(2 / 288)) / 0.87962566103423978;
    expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound + 1e-6);
  });

  it("make zeros and ones", () => {
    expect([...getInitializer("zeros").generate([3])]).toEqual([0, 0, 0]);
    expect([...getInitializer("Ones").generate([2])]).toEqual([1, 1]);
  });
});
