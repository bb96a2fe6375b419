/**
 * Keras 3's config.json and nnlab's architecture spec (saving/spec.ts), each
 * way. Keras spells options in snake_case and nests objects as
 * { module, class_name, config, registered_name }; nnlab spells them in
 * camelCase as { className, config }. A layer config crosses key by key:
 * the dtype policy and the initializers stay behind (the weights come from the
 * file), options nnlab does not have must hold Keras's default (else a clear
 * error naming the layer, the option and the file), and a class nnlab lacks
 * is an error naming the class and the file.
 */
import { isRegisteredLayer } from "../engine/serialization";
import type { KerasLayerEntry } from "./keras_format";
import type { InboundCall, LayerSpec, ModelSpec } from "./spec";

type Json = Record<string, unknown>;

/** The Keras version whose files nnlab's were checked against (test/fixtures/keras), written to metadata.json. */
export const KERAS_VERSION = "3.15.1";

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const snake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

/** Keras options nnlab has no counterpart for: loading is fine while they hold these values. */
const MUST_HOLD: Record<string, (v: unknown) => boolean> = {
  data_format: (v) => v === "channels_last" || v === null,
  use_gate: (v) => v === false,
  sliding_window: (v) => v === null,
  rms_scaling: (v) => v === false,
  groups: (v) => v === 1,
  stateful: (v) => v === false,
  lora_rank: (v) => v === null,
  quantization_config: (v) => v === null,
  activity_regularizer: (v) => v === null,
  synchronized: (v) => v === false,
  renorm: (v) => v === false,
  sparse: (v) => v === false,
  ragged: (v) => v === false,
  noise_shape: (v) => v === null,
  // LayerNormalization and BatchNormalization normalize the last axis in nnlab; MultiHeadAttention attends over axis 1.
  axis: (v) => v === -1 || (Array.isArray(v) && v.length === 1 && v[0] === -1),
  attention_axes: (v) => v === null || (Array.isArray(v) && v.length === 1 && v[0] === 1),
};

/** Keras options that carry nothing for nnlab (how the layer computes in Keras, not what it computes). */
const IGNORED = new Set([
  "dtype",
  "unroll",
  "zero_output_for_mask",
  "optional",
  "renorm_clipping",
  "renorm_momentum",
  "build_input_shape",
  "seed",
]);

function kerasObject(className: string, config: Json, module = "keras.layers"): Json {
  return { module, class_name: className, config, registered_name: null };
}

function regularizerFromKeras(value: unknown, where: string): unknown {
  if (value === null || value === undefined) return null;
  const v = value as { class_name?: string; config?: Json };
  if (v.class_name === "L1" || v.class_name === "L2" || v.class_name === "L1L2")
    return { className: v.class_name, config: v.config ?? {} };
  throw new Error(
    `${where}: regularizer ${JSON.stringify(v.class_name)} has no nnlab counterpart (nnlab has L1, L2, L1L2)`,
  );
}

/** One Keras layer config (the "config" of a serialized layer) as nnlab options; `where` names layer and file. */
function layerConfigFromKeras(className: string, config: Json, where: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(config)) {
    if (IGNORED.has(key) || key.endsWith("_initializer")) continue;
    if (key.endsWith("_constraint")) {
      if (value !== null) throw new Error(`${where}: option ${key} (weight constraints) has no nnlab counterpart`);
      continue;
    }
    if (key in MUST_HOLD) {
      if (!MUST_HOLD[key](value))
        throw new Error(`${where}: option ${key}=${JSON.stringify(value)} is not supported by nnlab's ${className}`);
      continue;
    }
    if (key.endsWith("_regularizer")) out[camel(key)] = regularizerFromKeras(value, `${where}: ${key}`);
    else if (className === "Bidirectional" && (key === "layer" || key === "backward_layer")) {
      const inner = value as { class_name: string; config: Json };
      out[camel(key)] = {
        className: inner.class_name,
        config: layerConfigFromKeras(inner.class_name, inner.config, where),
      };
    } else out[camel(key)] = value;
  }
  if (className === "InputLayer") {
    const batchShape = (config.batch_shape ?? config.batch_input_shape) as (number | null)[];
    return { name: config.name, shape: batchShape.slice(1) };
  }
  return out;
}

/** Keras's L1 takes only l1 and L2 only l2. */
function regularizerConfig(r: { className: string; config: Json }): Json {
  if (r.className === "L1") return { l1: r.config.l1 };
  if (r.className === "L2") return { l2: r.config.l2 };
  return { l1: r.config.l1 ?? 0, l2: r.config.l2 ?? 0 };
}

/** nnlab options as a Keras layer config: initializers left to Keras's defaults, nested layers serialized. */
function layerConfigToKeras(className: string, config: Json): Json {
  if (className === "InputLayer") {
    const shape = config.shape as (number | null)[];
    return {
      batch_shape: [config.batchSize ?? null, ...shape],
      dtype: "float32",
      sparse: false,
      ragged: false,
      name: config.name,
    };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith("Initializer")) continue;
    if (key.endsWith("Regularizer")) {
      const r = value as { className: string; config: Json } | null;
      out[snake(key)] = r ? kerasObject(r.className, regularizerConfig(r), "keras.regularizers") : null;
    } else if (className === "Bidirectional" && (key === "layer" || key === "backwardLayer")) {
      const inner = value as { className: string; config: Json };
      out[snake(key)] = kerasObject(inner.className, layerConfigToKeras(inner.className, inner.config));
    } else out[snake(key)] = value;
  }
  return out;
}

/** Checks that nnlab has the class before anything is built, so the error names the file. */
function requireLayerClass(className: string, name: string, path: string): void {
  if (!isRegisteredLayer(className))
    throw new Error(
      `loadModel: ${path} uses layer class "${className}" (layer "${name}"), which nnlab does not have; ` +
        "nnlab reads Keras files made of the layers it has (see docs/saving.md)",
    );
}

interface KerasLayer {
  class_name: string;
  config: Json;
  name?: string;
  inbound_nodes?: { args: unknown[]; kwargs: Json }[];
}

interface KerasTensorRef {
  class_name: "__keras_tensor__";
  config: { keras_history: [string, number, number] };
}

const isTensorRef = (v: unknown): v is KerasTensorRef =>
  typeof v === "object" && v !== null && (v as { class_name?: string }).class_name === "__keras_tensor__";

/** Keras 3's config.json as nnlab's spec, plus the layer list in the order the weights file names its groups. */
export function fromKerasModelConfig(root: Json, path: string): { spec: ModelSpec; kerasOrder: KerasLayerEntry[] } {
  const className = root.class_name as string;
  const config = root.config as Json;
  if (className !== "Sequential" && className !== "Functional") {
    throw new Error(
      `loadModel: ${path} holds a ${JSON.stringify(className)} model; nnlab reads Keras Sequential and functional models (a subclassed model's call() is Python code)`,
    );
  }
  const layers = config.layers as KerasLayer[];
  const layerSpec = (l: KerasLayer): LayerSpec => {
    const name = (l.config.name as string | undefined) ?? l.name ?? "?";
    if (l.class_name === "Sequential" || l.class_name === "Functional")
      throw new Error(
        `loadModel: ${path} nests model "${name}" inside the model; nnlab reads Keras files whose models hold layers only`,
      );
    if (l.class_name !== "InputLayer") requireLayerClass(l.class_name, name, path);
    return {
      className: l.class_name,
      config: layerConfigFromKeras(l.class_name, l.config, `${path}, ${l.class_name} "${name}"`),
    };
  };
  const kerasOrder = layers.map((l) => ({ name: l.config.name as string, className: l.class_name }));
  if (className === "Sequential") {
    const input = layers[0]?.class_name === "InputLayer" ? layers[0] : null;
    const shape = input
      ? ((input.config.batch_shape ?? input.config.batch_input_shape) as (number | null)[]).slice(1)
      : ((config.build_input_shape as (number | null)[] | undefined)?.slice(1) ?? null);
    return {
      spec: {
        className: "Sequential",
        name: config.name as string,
        inputShape: shape,
        layers: layers.filter((l) => l !== input).map(layerSpec),
      },
      kerasOrder: kerasOrder.filter((e) => e.className !== "InputLayer"),
    };
  }
  const ref = (t: KerasTensorRef, where: string): string => {
    const [layer, node, index] = t.config.keras_history;
    if (index !== 0)
      throw new Error(
        `loadModel: ${where} uses output ${index} of layer "${layer}"; nnlab reads graphs whose layers have one output`,
      );
    return `${layer}#${node}`;
  };
  const specs = layers.map((l) => {
    const spec = layerSpec(l);
    const where = `${path}, ${l.class_name} "${l.config.name as string}"`;
    spec.inbound = (l.inbound_nodes ?? []).map((node): InboundCall => {
      const args = node.args;
      const extra = Object.entries(node.kwargs ?? {}).filter(
        ([k, v]) => v !== null && k !== "training" && k !== "mask",
      );
      const kwTensors = extra.map(([k, v]) => {
        if (!isTensorRef(v) || k !== "key")
          throw new Error(`loadModel: ${where} is called with ${k}=..., which nnlab does not read`);
        return v;
      });
      if (args.length === 1 && Array.isArray(args[0]))
        return { inputs: (args[0] as KerasTensorRef[]).map((t) => ref(t, where)), listInput: true };
      const tensors = [...(args as KerasTensorRef[]), ...kwTensors];
      if (!tensors.every(isTensorRef))
        throw new Error(`loadModel: ${where} is called with arguments nnlab does not read`);
      return tensors.length === 1
        ? { inputs: [ref(tensors[0], where)], listInput: false }
        : { inputs: tensors.map((t) => ref(t, where)), listInput: true };
    });
    return spec;
  });
  const ends = (v: unknown): string[] => {
    const list = (Array.isArray(v) && typeof v[0] === "string" ? [v] : v) as [string, number, number][];
    return list.map(([layer, node]) => `${layer}#${node}`);
  };
  const outputsNested =
    Array.isArray(config.output_layers) && typeof (config.output_layers as unknown[])[0] !== "string";
  return {
    spec: {
      className: "Functional",
      name: config.name as string,
      layers: specs,
      inputs: ends(config.input_layers),
      outputs: ends(config.output_layers),
      outputStructure: outputsNested ? "list" : "single",
    },
    kerasOrder,
  };
}

/**
 * nnlab's spec as Keras 3's config.json, layers in Keras's order (`order`, from keras_format.ts);
 * `shapeOf` gives the shape of a graph tensor by its "layer#node" id (Keras records it with each reference).
 */
export function toKerasModelConfig(
  spec: ModelSpec,
  order: readonly KerasLayerEntry[],
  shapeOf: (id: string) => readonly (number | null)[],
): Json {
  for (const l of spec.layers) {
    if (l.model)
      throw new Error(
        `save: layer "${l.config.name as string}" is a model inside the model; the .keras writer takes models of layers only (save as .safetensors)`,
      );
  }
  const layer = (l: LayerSpec) => kerasObject(l.className, layerConfigToKeras(l.className, l.config));
  if (spec.className === "Sequential") {
    const inputShape = spec.inputShape ?? null;
    const input = inputShape
      ? [kerasObject("InputLayer", layerConfigToKeras("InputLayer", { name: "input_layer", shape: inputShape }))]
      : [];
    return {
      module: "keras",
      class_name: "Sequential",
      config: { name: spec.name, trainable: true, layers: [...input, ...spec.layers.map(layer)] },
      registered_name: null,
      build_config: { input_shape: inputShape ? [null, ...inputShape] : null },
      compile_config: null,
    };
  }
  const byName = new Map(spec.layers.map((l) => [l.config.name as string, l]));
  const tensor = (id: string) => {
    const [name, node] = id.split("#");
    return {
      class_name: "__keras_tensor__",
      config: { shape: [...shapeOf(id)], dtype: "float32", keras_history: [name, Number(node), 0] },
    };
  };
  const layers = order.map(({ name }) => {
    const l = byName.get(name)!;
    const inbound = (l.inbound ?? []).map((call) => {
      // MultiHeadAttention takes query and value (and key) as separate arguments; merge layers take one list.
      const positional = l.className === "MultiHeadAttention";
      const args = call.listInput && !positional ? [call.inputs.map(tensor)] : call.inputs.map(tensor);
      return { args, kwargs: {} };
    });
    return { ...layer(l), name, inbound_nodes: inbound };
  });
  const ends = (ids: readonly string[], structure: string) => {
    const list = ids.map((id) => [id.split("#")[0], Number(id.split("#")[1]), 0]);
    return list.length === 1 && structure === "single" ? list[0] : list;
  };
  if (spec.outputStructure === "named")
    throw new Error(`save: ${spec.name} has named outputs; the .keras writer takes one output or a list`);
  return {
    module: "keras.src.models.functional",
    class_name: "Functional",
    config: {
      name: spec.name,
      trainable: true,
      layers,
      input_layers: ends(spec.inputs ?? [], (spec.inputs ?? []).length === 1 ? "single" : "list"),
      output_layers: ends(
        spec.outputs ?? [],
        spec.outputStructure ?? ((spec.outputs ?? []).length === 1 ? "single" : "list"),
      ),
    },
    registered_name: "Functional",
    build_config: { input_shape: null },
    compile_config: null,
  };
}
