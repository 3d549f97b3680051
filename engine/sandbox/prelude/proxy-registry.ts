// Runs INSIDE the isolate, before any script. A Proxy cannot be told apart from its target by JavaScript that
// looks at it without running its traps, so the prelude replaces the global `Proxy` (the only way to make one)
// with a constructor that remembers every proxy it makes. The serializer then refuses a Proxy at once, at no cost
// per call and without running a trap.

const { apply, construct, defineProperty } = Reflect;
const RealProxy = Proxy;
const realRevocable = Proxy.revocable;
const WeakSetCtor = WeakSet;
const weakAdd = WeakSet.prototype.add;
const weakHas = WeakSet.prototype.has;
const bind = Function.prototype.bind;
const TypeErrorCtor = TypeError;

/** Installs the remembering `Proxy`; returns the check. */
export function installProxyRegistry(): (value: object) => boolean {
  const made = new WeakSetCtor<object>();
  function Proxy(target: object, handler: ProxyHandler<object>): object {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor Proxy requires 'new'");
    const proxy: object = construct(RealProxy, [target, handler]);
    apply(weakAdd, made, [proxy]);
    return proxy;
  }
  // Bound, so that like the real Proxy it has no `prototype` and cannot be subclassed.
  const flintProxy = apply(bind, Proxy, [undefined]) as typeof Proxy;
  defineProperty(flintProxy, 'name', { value: 'Proxy', configurable: true });
  defineProperty(flintProxy, 'revocable', {
    value: function revocable(target: object, handler: ProxyHandler<object>) {
      const pair: { proxy: object; revoke: () => void } = apply(realRevocable, RealProxy, [target, handler]);
      apply(weakAdd, made, [pair.proxy]);
      return pair;
    },
    writable: true,
    configurable: true,
  });
  defineProperty(globalThis, 'Proxy', { value: flintProxy, writable: true, configurable: true, enumerable: false });
  return (value) => apply<WeakSet<object>, [object], boolean>(weakHas, made, [value]);
}
