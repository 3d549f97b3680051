import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../engine/gateway.ts';

const SAMPLES = new URL('../../projects', import.meta.url).pathname;
let gateway: Gateway;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flint-samples-'));
  cpSync(SAMPLES, join(dir, 'projects'), { recursive: true });
  gateway = await Gateway.start({ projectsDir: join(dir, 'projects'), dataDir: join(dir, 'data'), stdoutLevel: 'off', watch: false });
});
afterAll(async () => {
  await gateway.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the sample project samplequickstart', () => {
  it('loads without diagnostics and logs from its startup script', () => {
    expect(gateway.project('samplequickstart')!.status()).toMatchObject({ status: 'loaded', diagnostics: [] });
    expect(gateway.logs.ring.query({ project: 'samplequickstart' }).map((r) => r.message)).toContain('Sample quick start project is up');
  });

  it('echoes through its lib module', async () => {
    expect(await gateway.request('samplequickstart', 'echo', { message: 'hello' })).toEqual({
      echo: 'hello',
      at: expect.stringMatching(/^\[\d{4}-.*\] hello$/),
    });
  });

  it('greets by awaiting its own echo handler', async () => {
    expect(await gateway.request('samplequickstart', 'greet', { name: 'ada lovelace' })).toEqual({ greeting: 'Hello, Ada Lovelace!' });
  });
});
