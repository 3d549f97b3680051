import { checkType, describeValue } from '../system/validate.ts';
import { CLIENT_FRAMES, PROTOCOL_VERSION, type ClientFrame } from './protocol.ts';

export type FrameRead = { ok: true; frame: ClientFrame } | { ok: false; message: string; id?: number; fatal?: boolean };

/** The largest `id` a client frame may carry. */
export const MAX_ID = 2 ** 31 - 1;
/** Nesting deeper than this in a frame is refused before anything reads it. */
const MAX_DEPTH = 64;

function depthOf(value: unknown, depth = 0): number {
  if (depth > MAX_DEPTH || typeof value !== 'object' || value === null) return depth;
  let deepest = depth;
  for (const item of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(item, depth + 1));
    if (deepest > MAX_DEPTH) break;
  }
  return deepest;
}

/**
 * Reads one text frame from a client against the declared protocol: JSON, an object, the protocol version, a known
 * type, only its declared fields, each of its declared type. A failure names what was wrong; `fatal` when the client
 * speaks another version of the protocol (the socket is closed then).
 */
export function readClientFrame(text: string): FrameRead {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, message: 'the frame is not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { ok: false, message: 'a frame must be a JSON object' };
  const raw = parsed as Record<string, unknown>;
  const id = Number.isInteger(raw.id) && (raw.id as number) >= 1 && (raw.id as number) <= MAX_ID ? (raw.id as number) : undefined;
  const fail = (message: string, fatal?: boolean): FrameRead => ({ ok: false, message, id, ...(fatal ? { fatal } : {}) });
  if (raw.id !== undefined && id === undefined)
    return fail(`"id" must be an integer from 1 to ${MAX_ID}; received ${describeValue(raw.id)}`);
  if (raw.v !== PROTOCOL_VERSION)
    return fail(`"v" must be ${PROTOCOL_VERSION}, the protocol version this gateway speaks; received ${describeValue(raw.v)}`, true);
  if (typeof raw.type !== 'string' || !Object.hasOwn(CLIENT_FRAMES, raw.type))
    return fail(`"type" must be one of ${Object.keys(CLIENT_FRAMES).join(', ')}; received ${describeValue(raw.type)}`);
  if (depthOf(raw) > MAX_DEPTH) return fail(`the frame is nested more than ${MAX_DEPTH} levels deep`);
  const decl = CLIENT_FRAMES[raw.type as keyof typeof CLIENT_FRAMES];
  const fields: Record<string, { type: Parameters<typeof checkType>[0]; optional?: boolean }> = decl.fields;
  for (const key of Object.keys(raw)) {
    if (key !== 'v' && key !== 'type' && key !== 'id' && !Object.hasOwn(fields, key)) {
      const allowed = Object.keys(fields);
      return fail(`a "${raw.type}" frame has no field "${key}"${allowed.length ? ` (its fields: ${allowed.join(', ')})` : ''}`);
    }
  }
  for (const [name, field] of Object.entries(fields)) {
    const value = raw[name];
    if (value === undefined) {
      if (!field.optional) return fail(`a "${raw.type}" frame needs "${name}"`);
      continue;
    }
    const problem = checkType(field.type, value);
    if (problem) return fail(`"${name}" of a "${raw.type}" frame ${problem}; received ${describeValue(value)}`);
  }
  return { ok: true, frame: raw as ClientFrame };
}
