// Runs INSIDE the isolate. Turns a script's value into JSON in one pass, refusing anything that is not
// JSON-compatible, so that what was checked is exactly what crosses (a Proxy or getter cannot change it in between).

const { ownKeys, getOwnPropertyDescriptor, getPrototypeOf, apply } = Reflect;
/** Descriptors inherit from Object.prototype: their fields are read as own ones, or a script's `get` there would show. */
const hasOwn = Object.hasOwn;
const isArray = Array.isArray;
const StringCtor = String;
const ObjectProto = Object.prototype;
const DateProto = Date.prototype;
const dateToIso = Date.prototype.toISOString;
const stringify = JSON.stringify;
const isFinite = Number.isFinite;
const SetCtor = Set;
const setHas = Set.prototype.has;
const setAdd = Set.prototype.add;
const setDelete = Set.prototype.delete;

export class NotSerializable extends Error {
  /** QUOTA_EXCEEDED when the value is only too large. */
  code: 'NOT_SERIALIZABLE' | 'QUOTA_EXCEEDED';
  constructor(message: string, code: 'NOT_SERIALIZABLE' | 'QUOTA_EXCEEDED' = 'NOT_SERIALIZABLE') {
    super(message);
    this.name = 'NotSerializable';
    this.code = code;
  }
}

/** Whether an object is a Proxy. The prelude knows every Proxy a script made (see proxy-registry.ts), without running a trap. */
export type ProxyCheck = (value: object) => boolean;

/**
 * Serializes `value`; `what` names it in errors ("argument 3 \"payload\""). Throws NotSerializable, with code
 * QUOTA_EXCEEDED when the value is over maxBytes. A Proxy is refused before any of its traps can run.
 */
export function toJson(value: unknown, what: string, maxBytes: number, isProxy: ProxyCheck): string {
  const seen = new SetCtor<object>();
  // `+=` on strings runs no user code (unlike pushing into an array, which a setter on Array.prototype could see).
  let json = '';
  const emit = (text: string) => {
    json += text;
    if (json.length > maxBytes)
      throw new NotSerializable(`${what} is larger than the payload limit of ${maxBytes} bytes`, 'QUOTA_EXCEEDED');
  };
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 200) throw new NotSerializable(`${what}${path} is nested more than 200 levels deep`);
    switch (typeof v) {
      case 'string':
        return emit(stringify(v));
      case 'boolean':
        return emit(v ? 'true' : 'false');
      case 'number':
        if (!isFinite(v)) throw new NotSerializable(`${what}${path} is ${StringCtor(v)}, which JSON cannot carry`);
        return emit(stringify(v));
      case 'undefined':
        return emit('null');
      case 'function':
        throw new NotSerializable(`${what}${path} is a function; only JSON-compatible values can be sent`);
      case 'symbol':
        throw new NotSerializable(`${what}${path} is a symbol; only JSON-compatible values can be sent`);
      case 'bigint':
        throw new NotSerializable(`${what}${path} is a bigint; only JSON-compatible values can be sent`);
    }
    if (v === null) return emit('null');
    const obj = v as object;
    if (apply(setHas, seen, [obj])) throw new NotSerializable(`${what}${path} refers back to itself (a cycle)`);
    apply(setAdd, seen, [obj]);
    if (isProxy(obj)) throw new NotSerializable(`${what}${path} is a Proxy; only plain data can be sent`);
    if (isArray(obj)) {
      emit('[');
      const length = (obj as unknown[]).length;
      for (let i = 0; i < length; i++) {
        if (i) emit(',');
        const d = getOwnPropertyDescriptor(obj, StringCtor(i));
        if (d && (hasOwn(d, 'get') || hasOwn(d, 'set')))
          throw new NotSerializable(`${what}${path}[${i}] has a getter; only plain data can be sent`);
        walk(d ? d.value : undefined, `${path}[${i}]`, depth + 1);
      }
      emit(']');
    } else {
      const proto = getPrototypeOf(obj);
      if (proto === DateProto) {
        emit(stringify(apply(dateToIso, obj, [])));
        apply(setDelete, seen, [obj]);
        return;
      }
      if (proto !== ObjectProto && proto !== null) {
        throw new NotSerializable(`${what}${path} is not a plain object or array; only JSON-compatible values can be sent`);
      }
      emit('{');
      let first = true;
      const keys = ownKeys(obj);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        if (typeof key === 'symbol') throw new NotSerializable(`${what}${path} has a symbol key; only JSON-compatible values can be sent`);
        const d = getOwnPropertyDescriptor(obj, key);
        if (!d || !d.enumerable) continue;
        if (hasOwn(d, 'get') || hasOwn(d, 'set'))
          throw new NotSerializable(`${what}${path}.${key} has a getter; only plain data can be sent`);
        if (d.value === undefined) continue;
        emit(first ? '' : ',');
        first = false;
        emit(stringify(key) + ':');
        walk(d.value, `${path}.${key}`, depth + 1);
      }
      emit('}');
    }
    apply(setDelete, seen, [obj]);
  };
  walk(value, '', 0);
  return json;
}

/**
 * JSON of data the prelude built itself (outcomes, error descriptions, load results). JSON.stringify would run a
 * `toJSON` that a script put on Object.prototype, which can make it return anything, even undefined; this cannot.
 */
export function dataJson(value: unknown): string {
  return toJson(value, 'the outcome', Infinity, () => false);
}
