/**
 * @peculiar/x509 depends on tsyringe, which refuses to load unless the Reflect
 * metadata API exists (it expects the `reflect-metadata` package, which is not
 * a dependency of this project). tsyringe only stores and reads constructor
 * parameter metadata through it, so a small WeakMap-backed implementation of
 * the four calls it makes is enough. Installed once, only if nothing else
 * provides it. Import this module before `@peculiar/x509` (ES modules
 * evaluate imports in order).
 */
type MetaTarget = object;
const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  const store = new WeakMap<MetaTarget, Map<unknown, unknown>>();
  const own = (target: MetaTarget, key: unknown): unknown => store.get(target)?.get(key);
  const lookup = (target: MetaTarget, key: unknown): unknown => {
    for (let t: MetaTarget | null = target; t !== null; t = Object.getPrototypeOf(t)) {
      const m = store.get(t);
      if (m?.has(key)) return m.get(key);
    }
    return undefined;
  };
  const define = (key: unknown, value: unknown, target: MetaTarget): void => {
    let m = store.get(target);
    if (!m) {
      m = new Map();
      store.set(target, m);
    }
    m.set(key, value);
  };
  const api: Record<string, unknown> = {
    getMetadata: (key: unknown, target: MetaTarget) => lookup(target, key),
    getOwnMetadata: (key: unknown, target: MetaTarget) => own(target, key),
    defineMetadata: define,
    hasMetadata: (key: unknown, target: MetaTarget) => lookup(target, key) !== undefined,
  };
  for (const [name, value] of Object.entries(api))
    Object.defineProperty(Reflect, name, { value, configurable: true, writable: true });
}
