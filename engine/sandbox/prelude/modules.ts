// Runs INSIDE the isolate. The module table that handler scripts and their libraries live in: each module is a factory
// from the compiler, evaluated into its exports on first require (handlers when defined, so load errors show on save).
// Defining a module again replaces it atomically: the old version, and its timers, stay until the new one has loaded.
import { begin, type Current } from './current.ts';
import { errorInfo, type ErrorInfo } from './errors.ts';
import { MODULE_HELPERS } from './module-helpers.ts';
import { apply, createObject, ErrorCtor, MapCtor, parse } from './primordials.ts';
import { dataJson } from './serialize.ts';

export type Factory = (
  exports: object,
  require: (id: string) => unknown,
  module: { exports: Record<string, unknown> },
  helpers: typeof MODULE_HELPERS,
) => void;

export interface ModuleRecord {
  /** Identifies this evaluation of the module: timers started under it are cleared when it is replaced. */
  token: number;
  factory: Factory;
  exports: Record<string, unknown> | undefined;
  evaluating: boolean;
}

export function createModuleTable(current: Current, clearTimersOf: (token: number) => void) {
  const records = new MapCtor<string, ModuleRecord>();
  let nextToken = 1;

  const requireFrom = (id: string): unknown => {
    const record = records.get(id);
    if (!record) throw new ErrorCtor(`cannot find module "${id}": it was deleted or failed to compile`);
    return evaluate(id, record);
  };
  const evaluate = (id: string, record: ModuleRecord): Record<string, unknown> => {
    if (record.exports) return record.exports;
    if (record.evaluating) throw new ErrorCtor(`module "${id}" is part of an import cycle and is not finished loading`);
    record.evaluating = true;
    const module = { exports: {} as Record<string, unknown> };
    try {
      apply(record.factory, undefined, [module.exports, requireFrom, module, MODULE_HELPERS]);
    } finally {
      record.evaluating = false;
    }
    record.exports = module.exports;
    return module.exports;
  };
  /** Evaluates `factory` as a fresh record for `id`; on success it replaces the old one, on failure the old one stays. */
  const loadFresh = (id: string, factory: Factory, isHandler: boolean): string => {
    const [previousOwner, previousToken] = [current.owner, current.token];
    const fresh: ModuleRecord = { token: nextToken++, factory, exports: undefined, evaluating: false };
    current.owner = id;
    current.token = fresh.token;
    const failed = (error: ErrorInfo) => {
      clearTimersOf(fresh.token); // a version that did not load leaves nothing running
      return dataJson({ ok: false, error });
    };
    try {
      if (isHandler) {
        const exports = evaluate(id, fresh);
        if (typeof exports.default !== 'function') {
          return failed({
            code: 'COMPILE_ERROR',
            name: 'Error',
            message: 'the script has no default export function: write `export default function (...) { ... }`',
          });
        }
      }
      const old = records.get(id);
      if (old) clearTimersOf(old.token);
      records.set(id, fresh);
      return '{"ok":true}';
    } catch (e) {
      return failed(errorInfo(e));
    } finally {
      current.owner = previousOwner;
      current.token = previousToken;
    }
  };

  return {
    /** The loaded record of `id`, if any (not evaluated yet for a library nobody required). */
    record: (id: string): ModuleRecord | undefined => records.get(id),
    evaluate,
    /** The entry that defines (or replaces) one module. */
    define(id: string, factory: Factory, isHandler: boolean, timeoutMs: number): string {
      begin(current, timeoutMs);
      return loadFresh(id, factory, isHandler);
    },
    /** The entry that re-evaluates modules whose imports changed (handlers now, libraries lazily). */
    reevaluate(idsJson: string, timeoutMs: number): string {
      begin(current, timeoutMs);
      const results = createObject(null) as Record<string, unknown>; // no setter on Object.prototype can catch a module id
      const ids = parse(idsJson) as [string, boolean][];
      // Libraries first: they only get fresh records here, so no handler evaluated next can reach a stale library.
      // Indexed loops: a for-of would go through an iterator on Array.prototype, which a script can replace.
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i < ids.length; i++) {
          const id = ids[i][0];
          const isHandler = ids[i][1];
          const record = records.get(id);
          if (record && isHandler === (pass === 1)) results[id] = parse(loadFresh(id, record.factory, isHandler));
        }
      }
      return dataJson(results);
    },
    /** The entry that removes a module and clears its timers. */
    remove(id: string, timeoutMs: number): void {
      begin(current, timeoutMs);
      const record = records.get(id);
      if (record) clearTimersOf(record.token);
      records.delete(id);
    },
  };
}

export type ModuleTable = ReturnType<typeof createModuleTable>;
