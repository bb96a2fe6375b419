/**
 * Real TensorFlow.js (tfjs-core, tfjs-layers, the cpu backend) for the format
 * tests, with tfjs's own model artifacts written to and read from a directory
 * the way tfjs-node's file:// handler does it: model.json beside the weight
 * shards. tfjs-node is not installed, so the handlers are tfjs's
 * `io.withSaveHandler` and `io.getModelArtifactsForJSON`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { nn } from "../../runtime/nn";

export { tf, tfl };

// tfjs-core's Node bundle leaves out the chained tensor methods (x.flatten()) that the @tensorflow/tfjs package
// adds on import; tfjs-layers' Orthogonal initializer calls them. Each becomes the op of the same name, as there
// (flatten, which has no op of its name, is a reshape to one axis as there).
const chained = path.join(
  path.dirname(require.resolve("@tensorflow/tfjs-core/package.json")),
  "dist/public/chained_ops",
);
const ops = tf as unknown as Record<string, (...args: unknown[]) => unknown>;
const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
for (const f of fs.readdirSync(chained)) {
  if (!f.endsWith(".d.ts")) continue;
  const op = f.slice(0, -5).replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  if (typeof ops[op] === "function" && !(op in proto))
    proto[op] = function (this: tf.Tensor, ...args: unknown[]) {
      return ops[op](this, ...args);
    };
}

proto.flatten = function (this: tf.Tensor) {
  return tf.reshape(this, [this.size]);
};

export async function tfjsReady(): Promise<void> {
  await tf.setBackend("cpu");
  await tf.ready();
}

/** Saves a tfjs model into `dir` as model.json and `shards` binary shards, as tfjs's file handler lays them out. */
export async function tfjsSave(model: tfl.LayersModel, dir: string, shards = 2): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
      const size = Math.ceil(data.length / shards);
      const paths: string[] = [];
      for (let k = 0; k < shards; k++) {
        const name = `group1-shard${k + 1}of${shards}.bin`;
        fs.writeFileSync(path.join(dir, name), data.subarray(k * size, (k + 1) * size));
        paths.push(name);
      }
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify(json));
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" as const } });
    }),
  );
}

/** Loads a model.json (and its shards) into tfjs-layers through tfjs's own artifact reader. */
export async function tfjsLoad(file: string): Promise<tfl.LayersModel> {
  const dir = path.dirname(file);
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as tf.io.ModelJSON;
  const handler: tf.io.IOHandler = {
    load: () =>
      tf.io.getModelArtifactsForJSON(json, (manifest) => {
        const specs = manifest.flatMap((g) => g.weights);
        const buffers = manifest.flatMap((g) => g.paths.map((p) => new Uint8Array(fs.readFileSync(path.join(dir, p)))));
        return Promise.resolve([specs, tf.io.concatenateArrayBuffers(buffers.map((b) => b.slice().buffer))]);
      }),
  };
  return tfl.loadLayersModel(handler);
}

/** Sets every weight of a tfjs model from the seed (variances positive), so the test does not rest on initializers. */
export function seedTfjsWeights(model: tfl.LayersModel, seed: number): void {
  nn.seed(seed);
  model.setWeights(
    model.weights.map((w) => {
      const shape = w.shape as number[];
      const range = w.originalName.endsWith("moving_variance") ? { low: 0.5, high: 1.5 } : { low: -0.5, high: 0.5 };
      return tf.tensor(nn.rand(shape, range).dataSync(), shape);
    }),
  );
}

export function tfjsPredict(model: tfl.LayersModel, x: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(x, shape)) as tf.Tensor).dataSync() as Float32Array);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
