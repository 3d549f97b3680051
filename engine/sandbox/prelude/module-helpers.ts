// Runs INSIDE the isolate. The helpers esbuild's CommonJS output needs (exports as getters, `import *`, `export *`),
// built from built-ins captured before any user code runs, with descriptors that have no prototype. esbuild's own
// helpers read Object.defineProperty and friends when each module loads, and build descriptors from object literals:
// after a script defined `get`, `set` or `value` on its Object.prototype, every later module failed to load with
// "Invalid property descriptor" (issue 10, fault 2). The compiler points each module's helpers at these (see
// engine/compiler/module-helpers.ts); they behave as esbuild's do on an unpolluted realm.

const { create, defineProperty, getOwnPropertyDescriptor, getOwnPropertyNames, getPrototypeOf, hasOwn, freeze } = Object;
const DESCRIPTOR_FIELDS = ['value', 'writable', 'get', 'set', 'enumerable', 'configurable'] as const;

type Descriptor = { [K in (typeof DESCRIPTOR_FIELDS)[number]]?: unknown };

/** defineProperty with only the descriptor's own fields, in an object that inherits nothing. */
function defProp<T extends object>(target: T, key: PropertyKey, descriptor: Descriptor): T {
  const clean = create(null) as Descriptor;
  for (let i = 0; i < DESCRIPTOR_FIELDS.length; i++) {
    const field = DESCRIPTOR_FIELDS[i];
    if (hasOwn(descriptor, field)) clean[field] = descriptor[field];
  }
  return defineProperty(target, key, clean as PropertyDescriptor);
}

function getter(get: () => unknown, enumerable: boolean): Descriptor {
  const descriptor = create(null) as Descriptor;
  descriptor.get = get;
  descriptor.enumerable = enumerable;
  return descriptor;
}

function exportAll(target: object, all: Record<string, () => unknown>): void {
  // Own names only: a for-in would also see enumerable properties a script put on Object.prototype.
  const names = getOwnPropertyNames(all);
  for (let i = 0; i < names.length; i++) defineProperty(target, names[i], getter(all[names[i]], true) as PropertyDescriptor);
}

function copyProps(to: object, from: unknown, except?: string): object {
  if ((from && typeof from === 'object') || typeof from === 'function') {
    const source = from as Record<string, unknown>;
    const keys = getOwnPropertyNames(source);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (hasOwn(to, key) || key === except) continue;
      const own = getOwnPropertyDescriptor(source, key);
      defineProperty(to, key, getter(() => source[key], !own || own.enumerable === true) as PropertyDescriptor);
    }
  }
  return to;
}

function valueDescriptor(value: unknown, enumerable: boolean): Descriptor {
  const descriptor = create(null) as Descriptor;
  descriptor.value = value;
  descriptor.enumerable = enumerable;
  return descriptor;
}

/** What each module gets as `__flint`, by the names esbuild gives its helpers. */
export const MODULE_HELPERS = freeze({
  __proto__: null,
  __create: create,
  __defProp: defProp,
  __getOwnPropDesc: getOwnPropertyDescriptor,
  __getOwnPropNames: getOwnPropertyNames,
  __getProtoOf: getPrototypeOf,
  __hasOwnProp: freeze(create(null, { call: { value: (target: object, key: PropertyKey) => hasOwn(target, key) } }) as object),
  __export: exportAll,
  __copyProps: copyProps,
  __reExport: (target: object, mod: unknown, secondTarget?: object) => (
    copyProps(target, mod, 'default'),
    secondTarget && copyProps(secondTarget, mod, 'default')
  ),
  __toESM: (mod: unknown, isNodeMode?: boolean) => {
    const target = mod != null ? (create(getPrototypeOf(mod) as object | null) as object) : {};
    const esModule = mod != null && (mod as { __esModule?: unknown }).__esModule;
    return copyProps(
      isNodeMode || !esModule ? defineProperty(target, 'default', valueDescriptor(mod, true) as PropertyDescriptor) : target,
      mod,
    );
  },
  __toCommonJS: (mod: unknown) => copyProps(defineProperty({}, '__esModule', valueDescriptor(true, false) as PropertyDescriptor), mod),
});
