import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt's cost parameters. Stored with every hash, so new hashes can use higher ones while old hashes still verify. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** A password hash as users.json stores it; `salt` and `hash` are base64. */
export interface PasswordHash extends ScryptParams {
  algorithm: 'scrypt';
  salt: string;
  hash: string;
}

/** 128 × N × r = 32 MiB of memory and about 100 ms of one core per hash: new hashes use these. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** What a stored hash may make one login cost at most: a tampered users.json must not take the gateway's memory. */
const MAX_MEMORY = 256 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function derive(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  const maxmem = 128 * params.N * params.r + 1024 * 1024;
  // NFC: the same password typed on systems that compose accents differently gives the same bytes.
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyLength, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, params);
  return { algorithm: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64'), hash: key.toString('base64') };
}

/** Whether `password` is the one `stored` was made from, compared in constant time. */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(password, Buffer.from(stored.salt, 'base64'), expected.length, stored);
  return timingSafeEqual(key, expected);
}

/** Why `params` are not scrypt parameters Flint will run, or undefined. */
export function scryptParamsProblem(params: ScryptParams): string | undefined {
  const { N, r, p } = params;
  if (!Number.isInteger(N) || N < 2 ** 10 || N > 2 ** 20 || (N & (N - 1)) !== 0) return `N must be a power of two from 1024 to 1048576`;
  if (!Number.isInteger(r) || r < 1 || r > 32) return 'r must be a whole number from 1 to 32';
  if (!Number.isInteger(p) || p < 1 || p > 16) return 'p must be a whole number from 1 to 16';
  if (128 * N * r > MAX_MEMORY) return `128 × N × r must be at most ${MAX_MEMORY} bytes`;
  return undefined;
}

/** Why `value` (from users.json) is not a password hash, or undefined when it is one. */
export function passwordHashProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object';
  const hash = value as Record<string, unknown>;
  const unknown = Object.keys(hash).filter((key) => !['algorithm', 'N', 'r', 'p', 'salt', 'hash'].includes(key));
  if (unknown.length > 0) return `has unknown key ${JSON.stringify(unknown[0])}`;
  if (hash.algorithm !== 'scrypt') return `algorithm must be "scrypt"; received ${JSON.stringify(hash.algorithm)}`;
  const problem = scryptParamsProblem(hash as unknown as ScryptParams);
  if (problem) return problem;
  for (const [key, min] of [
    ['salt', SALT_BYTES],
    ['hash', 16],
  ] as const) {
    const text = hash[key];
    if (
      typeof text !== 'string' ||
      !BASE64.test(text) ||
      Buffer.from(text, 'base64').length < min ||
      Buffer.from(text, 'base64').length > 128
    )
      return `${key} must be base64 of ${min} to 128 bytes`;
  }
  return undefined;
}
