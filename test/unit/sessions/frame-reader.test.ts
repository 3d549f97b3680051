import { describe, expect, it } from 'vitest';
import { readClientFrame } from '../../../engine/sessions/frame-reader.ts';

const read = (frame: unknown) => readClientFrame(typeof frame === 'string' ? frame : JSON.stringify(frame));

describe('session protocol frames from clients', () => {
  it('accepts a declared frame with its fields and an id', () => {
    const result = read({ v: 1, type: 'openPage', id: 7, path: '/line/1' });
    expect(result).toEqual({ ok: true, frame: { v: 1, type: 'openPage', id: 7, path: '/line/1' } });
    expect(read({ v: 1, type: 'hello', project: 'samplequickstart', device: { kind: 'scanner' } }).ok).toBe(true);
  });

  it('refuses text that is not a JSON object', () => {
    expect(read('{nope')).toEqual({ ok: false, message: 'the frame is not valid JSON' });
    expect(read('[1,2]')).toEqual({ ok: false, message: 'a frame must be a JSON object' });
    expect(read('null')).toEqual({ ok: false, message: 'a frame must be a JSON object' });
  });

  it('refuses another protocol version as fatal, keeping the id to reply to', () => {
    expect(read({ v: 2, type: 'ping', id: 3 })).toEqual({
      ok: false,
      id: 3,
      fatal: true,
      message: '"v" must be 1, the protocol version this gateway speaks; received number 2',
    });
    expect(read({ type: 'ping' })).toMatchObject({ ok: false, fatal: true });
  });

  it('refuses unknown types, unknown fields (another session id), missing and mistyped fields', () => {
    expect(read({ v: 1, type: 'explode' })).toMatchObject({ ok: false, message: expect.stringContaining('"type" must be one of hello,') });
    expect(read({ v: 1, type: 'request', id: 1, handler: 'myMessage', sessionId: 'someone-else' })).toEqual({
      ok: false,
      id: 1,
      message: 'a "request" frame has no field "sessionId" (its fields: handler, payload)',
    });
    expect(read({ v: 1, type: 'navigate', pageId: 'p1' })).toMatchObject({ ok: false, message: 'a "navigate" frame needs "path"' });
    expect(read({ v: 1, type: 'openPage', path: 'no-slash' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('"path" of a "openPage" frame must match'),
    });
    expect(read({ v: 1, type: 'request', handler: '../etc', payload: {} })).toMatchObject({ ok: false });
    expect(read({ v: 1, type: 'request', handler: 'h', payload: [1] })).toMatchObject({
      ok: false,
      message: expect.stringContaining('"payload" of a "request" frame must be an object'),
    });
  });

  it('refuses a bad id and frames nested too deeply', () => {
    expect(read({ v: 1, type: 'ping', id: 1.5 })).toMatchObject({ ok: false, message: expect.stringContaining('"id" must be an integer') });
    let deep: unknown = {};
    for (let i = 0; i < 100; i++) deep = { a: deep };
    expect(read({ v: 1, type: 'request', id: 2, handler: 'h', payload: deep })).toEqual({
      ok: false,
      id: 2,
      message: 'the frame is nested more than 64 levels deep',
    });
  });
});
