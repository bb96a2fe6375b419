/**
 * Keras is written `layers.Dense(64)(x)` and `keras.Sequential([...])`: a
 * class is called without `new`, and a layer instance is called like a
 * function. JavaScript needs two small wrappers for that:
 *
 * - `callableClass(C)`: `C(...)` acts as `new C(...)`; `new C(...)`,
 *   `instanceof C` and `class Mine extends C` keep working.
 * - `callableInstance(obj, call)`: a function-typed proxy whose properties,
 *   prototype and methods are `obj`'s and whose call runs `call`. The Layer
 *   constructor returns one, so subclasses and their fields work unchanged.
 */

export type CallableClass<C extends new (...args: never[]) => object> = C &
  ((...args: ConstructorParameters<C>) => InstanceType<C>);

export function callableClass<C extends new (...args: never[]) => object>(cls: C): CallableClass<C> {
  return new Proxy(cls, {
    apply: (target, _thisArg, args) => new target(...(args as never[])),
  }) as CallableClass<C>;
}

/** The object behind a `callableInstance` proxy (the object itself for anything else): code that reads many of its own properties at once (Object.values) skips the proxy's traps. */
export function unwrapCallable<T extends object>(value: T): T {
  return (value as { [INSTANCE]?: T })[INSTANCE] ?? value;
}

const INSTANCE = Symbol("nnlab.callableInstance");

export function callableInstance<T extends object>(instance: T, call: (self: T, args: unknown[]) => unknown): T {
  // An arrow function has no non-configurable own properties, so every proxy invariant holds while forwarding to `instance`.
  const target = (() => undefined) as unknown as T;
  const proxy: T = new Proxy(target, {
    apply: (_t, _thisArg, args: unknown[]) => call(proxy, args),
    get: (_t, p) => (p === INSTANCE ? instance : Reflect.get(instance, p, proxy)),
    set: (_t, p, v) => Reflect.set(instance, p, v, proxy),
    has: (_t, p) => Reflect.has(instance, p),
    defineProperty: (_t, p, d) => Reflect.defineProperty(instance, p, d),
    deleteProperty: (_t, p) => Reflect.deleteProperty(instance, p),
    getOwnPropertyDescriptor: (_t, p) => Reflect.getOwnPropertyDescriptor(instance, p),
    ownKeys: () => Reflect.ownKeys(instance),
    getPrototypeOf: () => Reflect.getPrototypeOf(instance),
    setPrototypeOf: (_t, proto) => Reflect.setPrototypeOf(instance, proto),
  });
  return proxy;
}

export type CallableClasses<T> = {
  [K in keyof T]: T[K] extends new (...args: never[]) => object ? CallableClass<T[K]> : T[K];
};

/** A module namespace with every (non-abstract) class made callable without `new`; functions and values pass through. */
export function callableClasses<T extends object>(namespace: T): CallableClasses<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(namespace)) {
    const isClass = typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
    out[key] = isClass ? callableClass(value as new (...args: never[]) => object) : value;
  }
  return out as CallableClasses<T>;
}
