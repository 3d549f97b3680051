// Payload sizes and whose fault a failure is, at the HTTP edge: the caller's oversized payload is 413; a script's
// unserializable or oversized return value is 422 (the script's fault), not 400 or 429.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { handler, useGateway } from '../helpers/fixture.ts';

let http: RunningServer;

const t = useGateway({
  p: {
    files: {
      'gateway-events/message/echo.ts': handler('{ size: JSON.stringify(payload).length }'),
      'gateway-events/message/returnsFunction.ts': handler('{ fn: () => 1 }'),
      'gateway-events/message/returnsTooMuch.ts': handler("'x'.repeat(1_100_000)"),
    },
  },
  // A project may accept payloads larger than any fixed body cap of the API once had (2 MB).
  big: {
    config: { limits: { maxPayloadBytes: 3_000_000 } },
    files: { 'gateway-events/message/echo.ts': handler('{ size: JSON.stringify(payload).length }') },
  },
});
beforeAll(async () => {
  http = await t.http();
});

async function post(path: string, body: string) {
  const response = await fetch(http.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${http.adminToken}`, 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const payloadOf = (chars: number) => JSON.stringify({ payload: { x: 'y'.repeat(chars) } });

describe('payloads and return values over HTTP', () => {
  it('answers a handler whose return value is not serializable with 422 NOT_SERIALIZABLE', async () => {
    expect(await post('/api/projects/p/request/returnsFunction', '{}')).toMatchObject({
      status: 422,
      json: { code: 'NOT_SERIALIZABLE', message: expect.stringContaining('function') },
    });
  });

  it('answers a handler whose return value is over the payload limit with 422 QUOTA_EXCEEDED', async () => {
    expect(await post('/api/projects/p/request/returnsTooMuch', '{}')).toMatchObject({
      status: 422,
      json: { code: 'QUOTA_EXCEEDED', message: expect.stringContaining('payload limit') },
    });
  });

  it("answers a caller's payload over the project's limit with 413, for requests and messages", async () => {
    for (const route of ['request', 'message']) {
      const { status, json } = await post(`/api/projects/p/${route}/echo`, payloadOf(1_000_000));
      expect(status).toBe(413);
      expect(json).toMatchObject({
        code: 'QUOTA_EXCEEDED',
        message: 'the payload is larger than the payload limit of 1000000 bytes of project "p"',
      });
    }
    expect(await post('/api/projects/p/request/echo', payloadOf(999_000))).toMatchObject({
      status: 200,
      json: { value: { size: 999_008 } },
    });
  });

  it("accepts a payload up to the project's own limit, over 2 MB", async () => {
    expect(await post('/api/projects/big/request/echo', payloadOf(2_500_000))).toMatchObject({
      status: 200,
      json: { value: { size: 2_500_008 } },
    });
  });

  it('answers a body larger than any project could accept with 413 and keeps serving', async () => {
    const { status, json } = await post('/api/projects/big/request/echo', payloadOf(64_100_000));
    expect(status).toBe(413);
    expect(json.message).toMatch(/^request body is larger than \d+ bytes \(the largest payload limit a project may set, 64000000 bytes/);
    expect((await fetch(http.url + '/health')).status).toBe(200);
  });

  // Nested as a script may nest a value it sends: `levels` objects, with a number at depth `levels`.
  const nestedPayload = (levels: number) => `{"payload":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;

  it('answers a payload nested deeper than a script may send with 400, for requests and messages, before it overflows the stack', async () => {
    for (const route of ['request', 'message']) {
      for (const levels of [201, 5000, 100_000]) {
        const { status, json } = await post(`/api/projects/p/${route}/echo`, nestedPayload(levels));
        expect(status).toBe(400);
        expect(json).toMatchObject({
          code: 'BAD_REQUEST',
          message: 'request body is nested too deeply: a payload may be nested at most 200 levels deep, as a value a script sends',
        });
      }
    }
    expect(await post('/api/projects/p/request/echo', nestedPayload(200))).toMatchObject({
      status: 200,
      json: { value: { size: 6 * 200 + 1 } },
    });
    expect(t.logs((r) => r.level === 'error')).toEqual([]);
  });
});
