/**
 * The model classes as Keras has them: keras.Model({ inputs, outputs })
 * gives a Functional (an instance of keras.Model), keras.Sequential is a
 * Functional, and a subclass of keras.Model runs its own call() or, when it
 * passes { inputs, outputs } to super(), its graph.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keras, layers } from "../../runtime/keras/index";
import type { KerasTensor } from "../../runtime/keras/index";
import { Functional } from "../../runtime/keras/models/functional";
import { nn } from "../../runtime/nn";
import type { Tensor } from "../../runtime/tensor";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlab-model-classes-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function graph(): { inputs: KerasTensor; outputs: KerasTensor } {
  const inputs = keras.Input({ shape: [3] });
  return { inputs, outputs: layers.Dense(2)(inputs) };
}

describe("keras.Model", () => {
  it("with inputs and outputs, called with or without new, gives a Functional that is a keras.Model, shown as a Model", () => {
    for (const model of [keras.Model(graph()), new keras.Model(graph())]) {
      expect(model).toBeInstanceOf(Functional);
      expect(model).toBeInstanceOf(keras.Model);
      expect(model.className).toBe("Model");
      expect(model.name).toMatch(/^model(_\d+)?$/);
      expect(model.predict(nn.zeros([4, 3])).shape).toEqual([4, 2]);
    }
  });

  it("keras.Sequential is a Functional and a keras.Model", () => {
    const model = keras.Sequential([keras.Input({ shape: [3] }), layers.Dense(2)]);
    expect(model).toBeInstanceOf(Functional);
    expect(model).toBeInstanceOf(keras.Model);
    expect(model.className).toBe("Sequential");
  });

  it("loadModel gives back a Functional", () => {
    const file = path.join(dir, "f.safetensors");
    keras.Model(graph()).save(file);
    expect(keras.models.loadModel(file)).toBeInstanceOf(Functional);
  });

  it("a subclass with call() is not a Functional; a subclass passing { inputs, outputs } to super() runs that graph", () => {
    class Mine extends keras.Model {
      d = layers.Dense(2);
      override call(x: Tensor) {
        return this.d.apply(x);
      }
    }
    const mine = new Mine();
    expect(mine).not.toBeInstanceOf(Functional);
    expect(mine.className).toBe("Mine");
    expect(mine.predict(nn.zeros([1, 3])).shape).toEqual([1, 2]);

    class WithGraph extends keras.Model {
      constructor() {
        super(graph());
      }
    }
    const withGraph = new WithGraph();
    expect(withGraph).toBeInstanceOf(Functional);
    expect(withGraph.className).toBe("WithGraph");
    expect(withGraph.layers.map((l) => l.className)).toEqual(["InputLayer", "Dense"]);
    expect(new WithGraph().predict(nn.zeros([2, 3])).shape).toEqual([2, 2]);
    expect(() => withGraph.save(path.join(dir, "sub.safetensors"))).toThrow(/subclassed model.*saveWeights/);
  });
});
