/**
 * The arguments of a handler that gets live objects (session, page, self): the copies go as JSON, the live objects
 * as a description the prelude builds them from (engine/sandbox/live-wire.ts). The rules of what a script may write
 * come from the event catalogue's LIVE_OBJECTS, and the gateway checks each write against them again (writeProblem).
 */
import type { LiveObjectName } from '../catalogue/define.ts';
import { LIVE_OBJECTS } from '../catalogue/live-objects.ts';
import type { AuthResultData, LiveDescription, LiveKindRules, LiveObjectValues } from '../sandbox/live-wire.ts';

/** Most properties one open group (`session.custom`, a component's props) may hold. */
export const MAX_LIVE_KEYS = 1000;
/** Most bytes (as JSON) the values of one open group may add up to. */
export const MAX_LIVE_GROUP_BYTES = 1024 * 1024;

/** A live object for a handler, as its description has it (live-wire.ts), but with the live objects it links to in place. */
export interface LiveValue extends Omit<LiveObjectValues, 'kind' | 'links'> {
  kind: LiveObjectName;
  links?: Record<string, LiveValue>;
}

/** A write a script made to a live object, as the gateway receives it (`value` undefined: deleted). */
export interface LiveWrite {
  kind: LiveObjectName;
  ref: string;
  group: string;
  key: string;
  value: unknown;
}

const RULES: Record<LiveObjectName, LiveKindRules> = Object.fromEntries(
  Object.values(LIVE_OBJECTS).map((decl) => [
    decl.name,
    {
      groups: Object.fromEntries(
        decl.groups.map((g) => [
          g.name,
          { open: g.open, fields: Object.fromEntries(g.fields.map((f) => [f.name, f.readOnly])), maxKeys: MAX_LIVE_KEYS },
        ]),
      ),
    },
  ]),
) as Record<LiveObjectName, LiveKindRules>;

/** Why a script may not make this write, or undefined if it may (the prelude refuses it first; this is the gateway's check). */
export function writeProblem(write: Pick<LiveWrite, 'kind' | 'group' | 'key'>): string | undefined {
  const group = RULES[write.kind]?.groups[write.group];
  if (!group) return `a ${write.kind} has no group of properties "${write.group}"`;
  const readOnly = Object.hasOwn(group.fields, write.key) ? group.fields[write.key] : undefined;
  if (readOnly) return `${write.kind}.${write.group}.${write.key} is read-only`;
  if (readOnly === undefined && !group.open) return `${write.kind}.${write.group} has no property "${write.key}"`;
  return undefined;
}

/** Marks an argument as a live object. */
class Live {
  readonly value: LiveValue;
  constructor(value: LiveValue) {
    this.value = value;
  }
}

export const live = (value: LiveValue): unknown => new Live(value);

/** Marks an argument as an authentication challenge result: the script gets it as a Result object with methods. */
class AuthResult {
  readonly data: AuthResultData;
  constructor(data: AuthResultData) {
    this.data = data;
  }
}

export const authResult = (data: AuthResultData): unknown => new AuthResult(data);

/**
 * A handler's arguments as the sandbox takes them: `argsJson` with the copies (null where a live object goes), and
 * `live`, the description of the live objects ('' when there are none). Objects reached twice (`page.session` and
 * the `session` argument) are described once, so the handler gets the same object both ways.
 */
export function handlerArgs(args: unknown[], context: CallContext = {}): { argsJson: string; live: string } {
  const objects: LiveObjectValues[] = [];
  const indexOf = new Map<string, number>();
  const describe = (value: LiveValue): number => {
    const key = `${value.kind} ${value.ref}`;
    const known = indexOf.get(key);
    if (known !== undefined) return known;
    // Linked objects first: the prelude builds them in order.
    const links = Object.fromEntries(Object.entries(value.links ?? {}).map(([name, linked]) => [name, describe(linked)]));
    // Every field present: the prelude reads own properties only (engine/sandbox/prelude/live-objects.ts).
    objects.push({ kind: value.kind, ref: value.ref, label: value.label, fields: value.fields ?? {}, groups: value.groups, links });
    indexOf.set(key, objects.length - 1);
    return objects.length - 1;
  };
  const places: [number, number][] = [];
  const results: number[] = [];
  const copies = args.map((arg, i) => {
    if (arg instanceof AuthResult) {
      results.push(i);
      return arg.data;
    }
    if (!(arg instanceof Live)) return arg;
    places.push([i, describe(arg.value)]);
    return null;
  });
  const argsJson = JSON.stringify(copies);
  if (places.length === 0 && results.length === 0) return { argsJson, live: '' };
  const kinds = new Set(objects.map((o) => o.kind as LiveObjectName));
  const description: LiveDescription = {
    rules: Object.fromEntries([...kinds].map((kind) => [kind, RULES[kind]])),
    objects,
    args: places,
    context: contextString(context),
    ...(results.length > 0 ? { results } : {}),
  };
  return { argsJson, live: JSON.stringify(description) };
}

/** The session, page and view a call comes from (engine/system/service.ts Caller), when it comes from a session's handler. */
export interface CallContext {
  session?: string;
  page?: string;
  view?: string;
}

function contextString({ session, page, view }: CallContext): string {
  return session === undefined ? '' : `${session}/${page ?? ''}/${view ?? ''}`;
}

/** The context the sandbox sent with a call: what contextString made, or nothing for anything else. */
export function parseContext(text: string | undefined): CallContext {
  const parts = text?.split('/') ?? [];
  if (parts.length !== 3 || parts[0] === '') return {};
  const [session, page, view] = parts;
  return { session, page: page || undefined, view: view || undefined };
}
