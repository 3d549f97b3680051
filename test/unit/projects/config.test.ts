import { describe, expect, it } from 'vitest';
import { parseProjectConfig } from '../../../engine/projects/config.ts';
import { DEFAULT_LIMITS } from '../../../engine/projects/limits.ts';

const parse = (text: string) => parseProjectConfig(text, 'projects/p/project.json', 'p');

describe('parseProjectConfig', () => {
  it('fills defaults', () => {
    expect(parse('{}')).toEqual({
      ok: true,
      config: {
        title: 'p',
        description: '',
        enabled: true,
        isolated: false,
        limits: DEFAULT_LIMITS,
        sessionTimeoutMs: 60000,
        allowAnonymous: true,
        defaultTagProvider: 'default',
        databases: ['default'],
        bus: { enabled: true, pollTimeoutMs: 300_000, maxAgeMs: 600_000, maxCount: 10_000, maxBytes: 16 * 1024 * 1024 },
      },
    });
  });

  it('reads the bus settings and names the key that is wrong', () => {
    const result = parse('{"bus": {"enabled": false, "pollTimeoutMs": 60000, "maxCount": 50}}');
    expect(result.ok && result.config.bus).toMatchObject({ enabled: false, pollTimeoutMs: 60000, maxCount: 50, maxAgeMs: 600_000 });
    expect(parse('{"bus": true}')).toMatchObject({ ok: false, diagnostic: { message: '"bus" must be an object' } });
    expect(parse('{"bus": {"pollTimeoutMs": 10}}')).toMatchObject({
      ok: false,
      diagnostic: { message: '"bus.pollTimeoutMs" must be a whole number between 1000 and 3600000; received 10' },
    });
    expect(parse('{"bus": {"retention": 1}}')).toMatchObject({
      ok: false,
      diagnostic: { message: expect.stringMatching(/^unknown key "bus.retention"; allowed: enabled, pollTimeoutMs/) as string },
    });
  });

  it('reads the databases allow-list and refuses one that is not a list of names', () => {
    const result = parse('{"databases": ["default", "plant"]}');
    expect(result.ok && result.config.databases).toEqual(['default', 'plant']);
    for (const bad of ['"default"', '[1]', '["../x"]'])
      expect(parse(`{"databases": ${bad}}`)).toMatchObject({
        ok: false,
        diagnostic: { message: expect.stringContaining('"databases" must be') },
      });
  });

  it('overrides limits', () => {
    const result = parse('{"limits": {"memoryMb": 32, "timeoutMs": 250}}');
    expect(result.ok && result.config.limits).toMatchObject({ memoryMb: 32, timeoutMs: 250, maxPayloadBytes: 1_000_000 });
  });

  it('names the file, line and column of invalid JSON', () => {
    expect(parse('{\n  "title": "x",\n  oops\n}')).toMatchObject({
      ok: false,
      diagnostic: { file: 'projects/p/project.json', line: 3, message: expect.stringMatching(/^invalid JSON/) },
    });
  });

  it('refuses unknown keys and wrong types with the key named', () => {
    expect(parse('{"titel": "x"}')).toMatchObject({ diagnostic: { message: expect.stringContaining('unknown key "titel"') } });
    expect(parse('{"defaultTagProvider": "a/b"}')).toMatchObject({
      diagnostic: { message: expect.stringContaining('"defaultTagProvider" must be a tag provider name') },
    });
    expect(parse('{"enabled": "yes"}')).toMatchObject({ diagnostic: { message: '"enabled" must be true or false' } });
    expect(parse('{"limits": {"memoryMb": 1e9}}')).toMatchObject({
      diagnostic: { message: '"limits.memoryMb" must be a number between 8 and 4096; received 1000000000' },
    });
    expect(parse('{"limits": {"heap": 1}}')).toMatchObject({
      diagnostic: { message: expect.stringContaining('unknown key "limits.heap"') },
    });
    expect(parse('[]')).toMatchObject({ diagnostic: { message: 'project.json must hold a JSON object' } });
  });
});
