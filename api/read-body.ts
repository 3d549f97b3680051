import type { IncomingMessage } from 'node:http';
import { ADMIN_RULES } from '../engine/admin-facade.ts';
import { FlintError } from '../engine/errors.ts';
import { PayloadTooLarge, RequestAborted } from './http-errors.ts';

/** The largest payload limit a project may set, plus room for the rest of the body; each project's own limit is checked later. */
const MAX_PAYLOAD_BYTES = ADMIN_RULES.largestPayloadLimit;
const MAX_BODY_BYTES = MAX_PAYLOAD_BYTES + 64 * 1024;
/** How deeply a payload may nest: as deeply as a value a script sends (engine/sandbox/prelude/serialize.ts). */
const MAX_PAYLOAD_DEPTH = 200;

/**
 * Reads a JSON object body; an empty body is `{}`. Rejects with PayloadTooLarge when it is larger than `maxBytes`
 * (default: room for the largest payload a project may set), RequestAborted when the client goes away while sending
 * it, and BAD_REQUEST on anything else.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes?: number): Promise<Record<string, unknown>> {
  const limit = maxBytes ?? MAX_BODY_BYTES;
  const type = req.headers['content-type'];
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit)
        throw new PayloadTooLarge(
          maxBytes === undefined
            ? `request body is larger than ${MAX_BODY_BYTES} bytes (the largest payload limit a project may set, ${MAX_PAYLOAD_BYTES} bytes, plus room for the other fields)`
            : `request body is larger than ${maxBytes} bytes, the limit of this route`,
        );
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof PayloadTooLarge) throw error;
    // Reading the request fails only when its connection does (the client aborted or reset it).
    throw new RequestAborted((error as Error).message);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  if (type !== undefined && !type.startsWith('application/json'))
    throw new FlintError('BAD_REQUEST', `content-type must be application/json; received ${JSON.stringify(type)}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FlintError('BAD_REQUEST', `request body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FlintError('BAD_REQUEST', 'request body must be a JSON object');
  // The payload is one level down in the body. Checked before anything walks the body recursively (JSON.stringify would overflow the stack).
  if (nestedDeeperThan(value, MAX_PAYLOAD_DEPTH + 1)) {
    throw new FlintError(
      'BAD_REQUEST',
      `request body is nested too deeply: a payload may be nested at most ${MAX_PAYLOAD_DEPTH} levels deep, as a value a script sends`,
    );
  }
  return value as Record<string, unknown>;
}

/** Whether some value inside `root` is more than `maxDepth` levels below it (`root` itself is at 0). Iterative, so any depth is safe. */
function nestedDeeperThan(root: unknown, maxDepth: number): boolean {
  if (typeof root !== 'object' || root === null) return false;
  const pending: [object, number][] = [[root, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    for (const child of Object.values(value) as unknown[]) {
      if (depth + 1 > maxDepth) return true;
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}

/** Checks body fields against a small schema; unknown fields are refused so typos do not pass silently. */
export function checkFields(body: Record<string, unknown>, fields: Record<string, (value: unknown) => string | undefined>): void {
  for (const key of Object.keys(body)) {
    if (!(key in fields)) throw new FlintError('BAD_REQUEST', `unknown field "${key}"; allowed: ${Object.keys(fields).join(', ')}`);
  }
  for (const [key, check] of Object.entries(fields)) {
    if (body[key] === undefined) continue;
    const problem = check(body[key]);
    if (problem) throw new FlintError('BAD_REQUEST', `field "${key}" ${problem}`);
  }
}
