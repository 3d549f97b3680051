// Runs INSIDE the isolate. The live objects a handler gets (session, page, self), built from the gateway's description
// (engine/sessions/live-args.ts): reading one reads a local copy; writing a writable property checks and copies the
// value, keeps it locally (the same handler reads it back at once) and tells the gateway, which applies it in order and
// pushes it to the clients. Read-only properties and unknown ones refuse writes with a clear error. Values read are
// frozen copies: a nested change (`session.custom.list.push(1)`) throws instead of being lost; assign the property.
import type { FunctionDecl } from '../../system/define.ts';
import type { LiveDescription, LiveKindRules, LiveObjectValues } from '../live-wire.ts';
import { SystemError } from './errors.ts';
import type { CallHost } from './host-call.ts';
import { freeze, parse } from './primordials.ts';
import { NotSerializable, toJson, type ProxyCheck } from './serialize.ts';

// Captured while the bundle is evaluated, before proxy-registry.ts replaces the global: these proxies are the
// prelude's own, their traps are the prelude's code, and the serializer may read them (their reads reach the target).
const ProxyCtor = Proxy;
const { ownKeys } = Reflect;
const hasOwn = Object.hasOwn;
const createObject = Object.create;

/**
 * An own property of the parsed description, or `fallback`: a property it lacks would be looked up on
 * Object.prototype, where a script that polluted its realm could have put a getter.
 */
function own<T>(object: object, key: string, fallback: T): T {
  return hasOwn(object, key) ? ((object as Record<string, unknown>)[key] as T) : fallback;
}

/** Freezes parsed JSON all the way down (it holds only plain objects, arrays and primitives). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    const keys = ownKeys(value);
    for (let i = 0; i < keys.length; i++) deepFreeze((value as Record<PropertyKey, unknown>)[keys[i]]);
    freeze(value);
  }
  return value;
}

const refuse = (message: string): never => {
  throw new SystemError('BAD_ARGUMENT', message);
};

export type BuildLive = (description: LiveDescription, args: unknown[]) => void;

export function createLiveObjects(callHost: CallHost, writeFn: FunctionDecl, maxPayloadBytes: number, isProxy: ProxyCheck) {
  /** A frozen copy of a value to write, checked as every value leaving the sandbox is. */
  const copyOf = (value: unknown, path: string): unknown => {
    try {
      return deepFreeze(parse(toJson(value, path, maxPayloadBytes, isProxy)));
    } catch (e) {
      if (e instanceof NotSerializable) throw new SystemError(e.code, e.message);
      throw e;
    }
  };

  /** One group of properties (`session.custom`): a proxy whose reads reach the local copy and whose writes also go to the gateway. */
  function group(object: LiveObjectValues, rules: LiveKindRules, label: string, name: string): object {
    const rule = rules.groups[name];
    const store = createObject(null) as Record<string, unknown>;
    const initial = own<Record<string, unknown>>(object.groups, name, createObject(null) as Record<string, never>);
    for (const key of ownKeys(initial)) store[key as string] = deepFreeze(initial[key as string]);
    const where = `${label}.${name}`;
    const check = (key: string | symbol, value: unknown): string => {
      if (typeof key === 'symbol') return refuse(`${where}: properties are named by strings`);
      if (hasOwn(rule.fields, key) && rule.fields[key]) return refuse(`${where}.${key} is read-only: the gateway sets it`);
      if (!rule.open && !hasOwn(rule.fields, key)) return refuse(`${where} has no property "${key}"`);
      if (value !== undefined && !hasOwn(store, key) && ownKeys(store).length >= rule.maxKeys)
        throw new SystemError('QUOTA_EXCEEDED', `${where} may hold at most ${rule.maxKeys} properties`);
      return key;
    };
    /** `undefined` deletes the property. */
    const set = (key: string | symbol, value: unknown): boolean => {
      const prop = check(key, value);
      if (value === undefined) {
        callHost(writeFn, [object.kind, object.ref, name, prop, 'delete', null]);
        delete store[prop];
      } else {
        const copy = copyOf(value, `${where}.${prop}`);
        callHost(writeFn, [object.kind, object.ref, name, prop, 'set', copy]);
        store[prop] = copy;
      }
      return true;
    };
    return new ProxyCtor(store, {
      set: (_target, key, value) => set(key, value),
      deleteProperty: (_target, key) => set(key, undefined),
      defineProperty: (_target, key, descriptor) => {
        if (!hasOwn(descriptor, 'value') || hasOwn(descriptor, 'get') || hasOwn(descriptor, 'set'))
          return refuse(`${where}: only values can be assigned, not getters or setters`);
        return set(key, descriptor.value);
      },
      setPrototypeOf: () => refuse(`${where}: its prototype cannot be changed`),
      preventExtensions: () => refuse(`${where} cannot be frozen or sealed`),
    });
  }

  /** Builds the live objects a handler gets and puts them in its arguments, where the description places them. */
  const build: BuildLive = (description, args) => {
    const built: object[] = [];
    const objects = description.objects;
    // In order: the gateway lists an object after the ones it links to.
    for (let i = 0; i < objects.length; i++) {
      const object = objects[i];
      const rules = description.rules[object.kind];
      const label = object.label;
      const target = createObject(null) as Record<string, unknown>;
      const fields = own<Record<string, unknown>>(object, 'fields', createObject(null) as Record<string, never>);
      for (const key of ownKeys(fields)) target[key as string] = deepFreeze(fields[key as string]);
      for (const name of ownKeys(rules.groups)) target[name as string] = group(object, rules, label, name as string);
      const links = own<Record<string, number>>(object, 'links', createObject(null) as Record<string, never>);
      for (const name of ownKeys(links)) target[name as string] = built[links[name as string]];
      const refuseChange = (key: string | symbol): never => {
        const name = typeof key === 'symbol' ? 'a symbol' : key;
        if (typeof key === 'string' && hasOwn(rules.groups, key))
          return refuse(`${label}.${key} cannot be replaced: assign its properties, such as ${label}.${key}.name = value`);
        if (typeof key === 'string' && hasOwn(target, key)) return refuse(`${label}.${name} is read-only`);
        return refuse(`${label} has no property "${name}"`);
      };
      built[i] = new ProxyCtor(target, {
        set: (_t, key) => refuseChange(key),
        deleteProperty: (_t, key) => refuseChange(key),
        defineProperty: (_t, key) => refuseChange(key),
        setPrototypeOf: () => refuse(`${label}: its prototype cannot be changed`),
        preventExtensions: () => refuse(`${label} cannot be frozen or sealed`),
      });
    }
    const places = description.args;
    for (let i = 0; i < places.length; i++) args[places[i][0]] = built[places[i][1]];
  };

  return build;
}
