import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, hashPassword, passwordHashProblem, verifyPassword } from '../../../engine/users/password-hash.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('are scrypt with the default parameters stored beside a fresh salt', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored).toMatchObject({ algorithm: 'scrypt', ...DEFAULT_SCRYPT });
    expect(Buffer.from(stored.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(stored.hash, 'base64')).toHaveLength(32);
    expect(JSON.stringify(stored)).not.toContain('correct horse');
    expect(passwordHashProblem(stored)).toBeUndefined();
  });

  it('verify the right password and refuse a wrong one', async () => {
    const stored = await hashPassword('correct horse', CHEAP);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct hors', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('differ for the same password, because each has its own salt', async () => {
    const [a, b] = await Promise.all([hashPassword('same', CHEAP), hashPassword('same', CHEAP)]);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
  });

  it('verify with the parameters they were made with, so the defaults can be raised later', async () => {
    const old = await hashPassword('pw', CHEAP);
    const stronger = await hashPassword('pw', { N: 2048, r: 8, p: 2 });
    expect(old.N).toBe(1024);
    expect(await verifyPassword('pw', old)).toBe(true);
    expect(await verifyPassword('pw', stronger)).toBe(true);
    // The parameters are part of what is checked: the same salt and hash under other parameters do not verify.
    expect(await verifyPassword('pw', { ...old, N: 2048 })).toBe(false);
  });

  it('treat composed and decomposed accents as the same password', async () => {
    const stored = await hashPassword('caf\u00e9-latte', CHEAP);
    expect(await verifyPassword('cafe\u0301-latte', stored)).toBe(true);
  });

  it.each([
    ['a huge N', { N: 2 ** 30 }, /N must be a power of two/],
    ['an N that is no power of two', { N: 3000 }, /N must be a power of two/],
    ['a memory cost over 256 MiB', { N: 2 ** 20, r: 8 }, /at most 268435456 bytes/],
    ['another algorithm', { algorithm: 'md5' }, /algorithm must be "scrypt"/],
    ['a short salt', { salt: 'AAAA' }, /salt must be base64/],
    ['a hash that is not base64', { hash: 'not base64!' }, /hash must be base64/],
    ['an unknown key', { extra: 1 }, /unknown key "extra"/],
  ])('as stored are refused with %s', async (_what, change, message) => {
    const stored = { ...(await hashPassword('pw', CHEAP)), ...change };
    expect(passwordHashProblem(stored)).toMatch(message);
  });
});
