/**
 * The tiny declaration language of the system.* API. Declarations are plain data (no functions), so the
 * same table is copied into every isolate (where the prelude builds the stubs and validates arguments),
 * used by the host to validate again and dispatch, and read by the d.ts and reference generators.
 */

export type TypeDesc =
  | { type: 'string'; pattern?: string; minLength?: number; maxLength?: number }
  | { type: 'number'; integer?: boolean; min?: number; max?: number }
  | { type: 'boolean' }
  /** Any JSON-compatible value (objects, arrays, strings, finite numbers, booleans, null). */
  | { type: 'json' }
  /** A JSON object, the "dictionary" of the seeds. */
  | { type: 'object' }
  | { type: 'array'; items: TypeDesc; minItems?: number; maxItems?: number }
  | { type: 'enum'; values: string[] }
  /** A callback: only a `prelude` function (built inside the isolate) takes one, since functions never cross to the host. */
  | { type: 'function'; signature: string };

export interface ParamDecl {
  name: string;
  type: TypeDesc;
  /** An optional parameter may be omitted or undefined; `default` (if any) is used then. */
  optional?: boolean;
  default?: string | number | boolean | null | Record<string, never>;
  doc: string;
}

/**
 * How a call runs:
 * - `sync`: a blocking call. The script gets the value without `await`: its isolate's thread waits for the gateway's
 *   answer (isolated-vm applySyncPromise in the sandbox host), while the gateway and other isolates run on. The wait
 *   counts against the call's deadline (the handler timeout), not its CPU budget, and ends a little before it with TIMEOUT.
 * - `async`: the host answers later; the script gets a Promise.
 * - `fire`: the host is told and nothing is returned (logging).
 * - `prelude`: implemented inside the isolate on top of other functions (getLogger).
 */
export type CallMode = 'sync' | 'async' | 'fire' | 'prelude';

export interface FunctionDecl {
  /** Dotted path under `system`, for example `util.sendRequest`. */
  name: string;
  params: ParamDecl[];
  mode: CallMode;
  /** TypeScript spelling of the return type, for system.d.ts. */
  returns: string;
  /**
   * What the host implementation returns (a `sync` or `async` function must declare it): the gateway checks every
   * value against it before it reaches the script (engine/system/dispatch.ts).
   */
  result?: TypeDesc;
  /**
   * For a `sync` function whose answer is produced by a project's scripts: the parameter naming that project. A
   * blocking call naming the caller's own project is refused, since the isolate that would answer is the one waiting.
   * (sendMessage does not set it: the gateway answers with the delivery list before any handler runs.)
   */
  answeredByProject?: string;
  /**
   * `log`: a log record (`level, logger, message, frame?`). The sandbox host counts its logger name and message against
   * the project's logBytesPerMinute and drops it past that, with one warning per minute, rather than sending it on.
   */
  quota?: 'log';
  doc: string;
  /** Internal functions are part of the bridge (the prelude calls them) but are not on `system`. */
  internal?: boolean;
}

/** An interface that functions return (Logger), declared for the d.ts and the reference. */
export interface InterfaceDecl {
  name: string;
  doc: string;
  members: { signature: string; doc: string }[];
}

export interface ApiDecl {
  functions: FunctionDecl[];
  interfaces: InterfaceDecl[];
}

/** One namespace of system.* (`util`; later `perspective`, `tag`, `db`, `bus`): its functions are named `<namespace>.<name>`. */
export interface ServiceDecl extends ApiDecl {
  namespace: string;
}

/** The whole API from its services' declarations; a function outside its service's namespace, or declared twice, is a bug. */
export function composeApi(services: ServiceDecl[]): ApiDecl {
  const names = new Set<string>();
  for (const service of services) {
    for (const fn of service.functions) {
      if (!fn.name.startsWith(`${service.namespace}.`))
        throw new Error(`system.${fn.name} is declared in the "${service.namespace}" service`);
      if (names.has(fn.name)) throw new Error(`system.${fn.name} is declared twice`);
      const returnsValue = fn.mode === 'sync' || fn.mode === 'async';
      if (returnsValue && !fn.result) throw new Error(`system.${fn.name} returns a value but declares no result type`);
      names.add(fn.name);
    }
  }
  return { functions: services.flatMap((s) => s.functions), interfaces: services.flatMap((s) => s.interfaces) };
}

export function typeToTs(desc: TypeDesc): string {
  switch (desc.type) {
    case 'string':
    case 'number':
    case 'boolean':
      return desc.type;
    case 'json':
      return 'JsonValue';
    case 'object':
      return 'JsonObject';
    case 'array':
      return `${typeToTs(desc.items)}[]`;
    case 'enum':
      return desc.values.map((v) => JSON.stringify(v)).join(' | ');
    case 'function':
      return `(${desc.signature})`;
  }
}
