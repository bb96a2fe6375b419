/**
 * The Jupyter widget protocol, version 2.1, on top of the runtime's comms (runtime/comm.ts): a widget is a
 * model whose state lives on both sides of a `jupyter.widget` comm. The kernel opens the comm with the
 * whole state (`comm_open` data `{ state, buffer_paths }`, metadata `{ version: "2.1.0" }`); after that each
 * side sends `update` messages with the attributes that changed, binary values travel as buffers named by
 * `buffer_paths`, the front end may ask for the whole state again (`request_state`) and either side may send
 * `custom` messages (a button's click). The `jupyter.widget.control` comm hands a reloaded page every live
 * model at once (`request_states` / `update_states`).
 *
 * In plain Node the comm manager has no front end: widgets keep their state and their observers still fire
 * when code sets a value, and nothing is sent anywhere.
 */
import { type Comm, type CommData, getCommManager } from "../comm";
import { JUPYTER_DISPLAY, type MimeBundle } from "../display";

const WIDGET_TARGET = "jupyter.widget";
const CONTROL_TARGET = "jupyter.widget.control";
export const PROTOCOL_VERSION = "2.1.0";
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";

/** The JavaScript modules that define the standard widgets' models and views in the front end. */
export const MODULES = {
  base: { name: "@jupyter-widgets/base", version: "2.0.0" },
  controls: { name: "@jupyter-widgets/controls", version: "2.0.0" },
  output: { name: "@jupyter-widgets/output", version: "1.0.0" },
} as const;

type ModuleSpec = (typeof MODULES)[keyof typeof MODULES];

/** What a model is in the front end: its model class and (for those shown) its view class. */
export interface ModelSpec {
  model: string;
  module: ModuleSpec;
  view: string | null;
  viewModule: ModuleSpec;
}

export type WidgetState = Record<string, unknown>;

/** What an observer is told about a change, as ipywidgets' `observe` tells it. */
export interface Change<T = unknown> {
  name: string;
  old: T;
  new: T;
  owner: WidgetModel;
  type: "change";
}

export type Observer<T = unknown> = (change: Change<T>) => void;

const MODEL_PREFIX = "IPY_MODEL_";
const live = new Map<string, WidgetModel>();

/**
 * One widget model: its state, its comm and its observers. The classes in controls.ts give each attribute a
 * typed property; `get`, `set` and `observe` work on any attribute by name.
 */
export class WidgetModel {
  /** The comm id, which the front end uses as the model's id. */
  readonly modelId: string;
  private readonly comm: Comm;
  private readonly state: WidgetState;
  private readonly observers = new Map<string, Set<Observer>>();
  private readonly customHandlers: ((content: CommData, buffers: Uint8Array[]) => void)[] = [];
  /** Attributes being set from the front end's values: not sent back to it. */
  private fromFrontEnd: WidgetState | undefined;

  constructor(
    readonly spec: ModelSpec,
    state: WidgetState,
  ) {
    this.state = {
      _model_name: spec.model,
      _model_module: spec.module.name,
      _model_module_version: spec.module.version,
      _view_name: spec.view,
      _view_module: spec.viewModule.name,
      _view_module_version: spec.viewModule.version,
      _view_count: null,
      ...state,
    };
    Object.assign(this.state, this.validate({ ...state }));
    ensureControlTarget();
    const { state: json, paths, buffers } = serialize(this.state);
    this.comm = getCommManager().open(
      WIDGET_TARGET,
      { state: json, buffer_paths: paths },
      { metadata: { version: PROTOCOL_VERSION }, buffers },
    );
    this.modelId = this.comm.commId;
    live.set(this.modelId, this);
    this.comm.onMsg((data, buffers) => this.receive(data, buffers));
    this.comm.onClose(() => live.delete(this.modelId));
  }

  /** An attribute's value as the kernel knows it. */
  get(name: string): unknown {
    return this.state[name];
  }

  /**
   * Sets attributes; those whose value changed go to the front end in one `update` and their observers run.
   * Each class checks its values first (a slider's `value` within `min`..`max`...).
   */
  set(changes: WidgetState): void {
    const checked = this.validate({ ...changes });
    const changed: [string, unknown][] = [];
    for (const [name, value] of Object.entries(checked)) {
      const old = this.state[name];
      if (sameValue(old, value)) continue;
      this.state[name] = value;
      changed.push([name, old]);
    }
    if (changed.length === 0) return;
    const outgoing: WidgetState = {};
    for (const [name] of changed) {
      if (!(this.fromFrontEnd && name in this.fromFrontEnd && sameValue(this.fromFrontEnd[name], this.state[name]))) {
        outgoing[name] = this.state[name];
      }
    }
    if (Object.keys(outgoing).length > 0) this.sendState("update", outgoing);
    for (const [name, old] of changed) this.notify(name, old, this.state[name]);
  }

  /**
   * Calls `callback` after an attribute in `names` changes (default `"value"`), from code or from the front
   * end, as ipywidgets' `observe`: `slider.observe(({ new: v }) => print(v), "value")`.
   */
  observe<T = unknown>(callback: Observer<T>, names: string | string[] = "value"): this {
    for (const name of typeof names === "string" ? [names] : names) {
      let set = this.observers.get(name);
      if (!set) this.observers.set(name, (set = new Set()));
      set.add(callback as Observer);
    }
    return this;
  }

  /** Stops calling `callback` for `names` (default: every attribute it observes). */
  unobserve<T = unknown>(callback: Observer<T>, names?: string | string[]): this {
    const from = names === undefined ? [...this.observers.keys()] : typeof names === "string" ? [names] : names;
    for (const name of from) this.observers.get(name)?.delete(callback as Observer);
    return this;
  }

  /** A `custom` message to the front end's model. */
  send(content: CommData, buffers?: Uint8Array[]): void {
    this.comm.send({ method: "custom", content }, buffers);
  }

  /** Called with the content of each `custom` message from the front end. */
  onCustom(handler: (content: CommData, buffers: Uint8Array[]) => void): this {
    this.customHandlers.push(handler);
    return this;
  }

  /** Closes the comm: the front end removes the model and its views. */
  close(): void {
    live.delete(this.modelId);
    this.comm.close();
  }

  get closed(): boolean {
    return this.comm.closed;
  }

  /** What the front end would need to build this model again (the control comm's `update_states`). */
  fullState(): WidgetState {
    return { ...this.state };
  }

  toString(): string {
    return `${this.spec.model.replace(/Model$/, "")}(${this.describe()})`;
  }

  /** The attributes `toString` lists. */
  protected describe(): string {
    return "value" in this.state ? `value=${JSON.stringify(this.state.value)}` : "";
  }

  /** Checks and normalises incoming values; throws an error naming the widget and attribute. */
  protected validate(changes: WidgetState): WidgetState {
    return changes;
  }

  /** Observers of `name` run; subclasses may report derived attributes (a dropdown's `value` from `index`). */
  protected notify(name: string, old: unknown, value: unknown): void {
    for (const observer of [...(this.observers.get(name) ?? [])]) {
      observer({ name, old, new: value, owner: this, type: "change" });
    }
  }

  /** The name in error messages: `IntSlider "stride"`. */
  protected widgetName(): string {
    const description = this.state.description;
    const name = this.spec.model.replace(/Model$/, "");
    return typeof description === "string" && description !== "" ? `${name} "${description}"` : name;
  }

  private receive(data: CommData, buffers: Uint8Array[]): void {
    switch (data.method) {
      case "update": {
        const state = withBuffers(data.state, data.buffer_paths, buffers);
        const incoming = this.deserialize(state);
        this.fromFrontEnd = incoming;
        try {
          this.set(incoming);
        } finally {
          this.fromFrontEnd = undefined;
        }
        // Protocol 2.1: the accepted values go back to every front end, which drops them where it has newer ones.
        const { state: echo, paths, buffers: out } = serialize(pick(this.state, Object.keys(incoming)));
        this.comm.send({ method: "echo_update", state: echo, buffer_paths: paths }, out);
        break;
      }
      case "request_state":
        this.sendState("update", this.state);
        break;
      case "custom": {
        const content = data.content;
        const message = typeof content === "object" && content !== null ? (content as CommData) : {};
        for (const handler of this.customHandlers) handler(message, buffers);
        break;
      }
      default:
        throw new Error(`${this.widgetName()} got a widget message with unknown method ${JSON.stringify(data.method)}`);
    }
  }

  private sendState(method: "update", state: WidgetState): void {
    const { state: json, paths, buffers } = serialize(state);
    this.comm.send({ method, state: json, buffer_paths: paths }, buffers);
  }

  /** References `IPY_MODEL_<id>` back to models, where the attribute holds models. */
  private deserialize(state: WidgetState): WidgetState {
    const out: WidgetState = {};
    for (const [name, value] of Object.entries(state)) out[name] = resolveModels(value);
    return out;
  }

  [JUPYTER_DISPLAY](): MimeBundle {
    return widgetBundle(this);
  }
}

/** The bundle that shows a widget: its view, and `text/plain` where no widget manager runs. */
export function widgetBundle(model: WidgetModel, extra: Record<string, unknown> = {}): MimeBundle {
  return {
    "text/plain": model.toString(),
    ...extra,
    [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 1, model_id: model.modelId },
  };
}

/** Every model whose comm is open. */
function liveModels(): WidgetModel[] {
  return [...live.values()];
}

let controlTargetFor: unknown;

/** The control comm's target, registered with the comm manager the kernel installed (once per manager). */
function ensureControlTarget(): void {
  const manager = getCommManager();
  if (controlTargetFor === manager) return;
  controlTargetFor = manager;
  manager.registerTarget(CONTROL_TARGET, (comm) => {
    comm.onMsg((data) => {
      if (data.method !== "request_states") {
        throw new Error(`the widget control comm got unknown method ${JSON.stringify(data.method)}`);
      }
      const states: WidgetState = {};
      for (const model of liveModels()) {
        states[model.modelId] = {
          model_name: model.spec.model,
          model_module: model.spec.module.name,
          model_module_version: model.spec.module.version,
          state: model.fullState(),
        };
      }
      const { state, paths, buffers } = serialize(states);
      comm.send({ method: "update_states", states: state, buffer_paths: paths }, buffers);
    });
  });
}

/**
 * State as JSON plus buffers: models become `IPY_MODEL_<id>`, binary values leave the JSON and are listed in
 * `buffer_paths` (each a path of keys and indices from the top of the state).
 */
function serialize(state: WidgetState): {
  state: WidgetState;
  paths: (string | number)[][];
  buffers: Uint8Array[];
} {
  const paths: (string | number)[][] = [];
  const buffers: Uint8Array[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (value instanceof WidgetModel) return MODEL_PREFIX + value.modelId;
    if (value instanceof Uint8Array || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      paths.push(path);
      buffers.push(toBytes(value));
      return undefined;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i]));
    if (typeof value === "object" && value !== null) {
      const out: WidgetState = {};
      for (const [key, item] of Object.entries(value)) {
        const json = walk(item, [...path, key]);
        if (json !== undefined) out[key] = json;
      }
      return out;
    }
    return value;
  };
  return { state: walk(state, []) as WidgetState, paths, buffers };
}

/** Puts the message's buffers into the state at their `buffer_paths`. */
function withBuffers(state: unknown, paths: unknown, buffers: Uint8Array[]): WidgetState {
  const out: WidgetState = typeof state === "object" && state !== null ? structuredClone(state as WidgetState) : {};
  if (!Array.isArray(paths)) return out;
  paths.forEach((path, i) => {
    if (!Array.isArray(path) || path.length === 0 || i >= buffers.length) return;
    let node = out as Record<string | number, unknown>;
    for (const key of path.slice(0, -1) as (string | number)[]) {
      node[key] ??= typeof key === "number" ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    }
    node[path[path.length - 1] as string | number] = buffers[i];
  });
  return out;
}

function resolveModels(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith(MODEL_PREFIX)) {
    return live.get(value.slice(MODEL_PREFIX.length)) ?? value;
  }
  if (Array.isArray(value)) return value.map(resolveModels);
  return value;
}

function toBytes(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function pick(state: WidgetState, names: string[]): WidgetState {
  const out: WidgetState = {};
  for (const name of names) if (name in state) out[name] = state[name];
  return out;
}

/** Equal as the front end would see it: same primitive, or same JSON for arrays and plain objects. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  return false;
}
