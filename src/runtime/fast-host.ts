/**
 * Objects with live read-only properties (`get state()`) that keep V8's fast
 * properties (issue 16, heap per home). An object literal written with a
 * getter is made in dictionary mode: about 0.8 KB more than the same object
 * without it (measured, 15 properties), and a device builds several such
 * "host" views of itself (services, credential hosts, ZSE read hosts): some
 * 15 per home. Here the getters live on a prototype made once per set of
 * names, each reading the instance's own function; the values are own data
 * properties, as in the literal.
 *
 * Same reads as the literal: `o.name` calls the function on each read. The
 * getters are inherited, not own: a spread or `Object.keys` does not see them
 * (none of the hosts is spread or enumerated).
 */
type Getters = Record<string, () => unknown>;
type Shape = new (values: object, getters: Getters) => object;

const shapes = new Map<string, Shape>();
const GETTERS = Symbol('getters');

function shapeOf(names: string[]): Shape {
  const key = names.join('\u0000');
  let S = shapes.get(key);
  if (!S) {
    class Host {
      [GETTERS]: Getters;
      constructor(values: object, getters: Getters) {
        Object.assign(this, values);
        this[GETTERS] = getters;
      }
    }
    for (const n of names)
      Object.defineProperty(Host.prototype, n, {
        get(this: Host) {
          return this[GETTERS][n]!();
        },
        enumerable: false,
        configurable: false,
      });
    S = Host as unknown as Shape;
    shapes.set(key, S);
  }
  return S;
}

/**
 * A `T` whose properties `K` are read-only getters (`name` reads
 * `getters.name()` each time) and the rest the data in `values`.
 */
export function fastHost<T extends object, K extends keyof T & string>(
  values: Omit<T, K>,
  getters: { [P in K]: () => T[P] },
): T {
  const S = shapeOf(Object.keys(getters));
  return new S(values, getters as Getters) as T;
}
