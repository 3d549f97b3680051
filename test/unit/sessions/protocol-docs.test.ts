import { describe, expect, it } from 'vitest';
import { LogHub } from '../../../engine/logging/logger.ts';
import { ok } from '../../../engine/outcome.ts';
import { Connection, type Socket } from '../../../engine/sessions/connection.ts';
import { readClientFrame } from '../../../engine/sessions/frame-reader.ts';
import { NOT_YET_SUPPORTED, protocolFrames } from '../../../engine/sessions/protocol-docs.ts';
import { CLIENT_FRAMES, GATEWAY_FRAMES, type ClientFrameType } from '../../../engine/sessions/protocol.ts';
import { FormStore } from '../../../engine/sessions/form-store.ts';
import { SessionManager } from '../../../engine/sessions/session-manager.ts';
import { SqliteTagStore } from '../../../engine/tags/sqlite-store.ts';
import { TagSystem } from '../../../engine/tags/tag-system.ts';

/** The frames of the rendered reference: each `#### \`name\`` heading with the fields of the table under it. */
function renderedFrames(text: string): Record<string, string[]> {
  const frames: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const heading = /^#### `([A-Za-z]+)`$/.exec(line);
    if (heading) frames[heading[1]] = current = [];
    else if (/^#{1,3} /.test(line)) current = undefined;
    else {
      const row = /^\| `([A-Za-z]+)` \|/.exec(line);
      if (row && current) current.push(row[1]);
    }
  }
  return frames;
}

const declared = (frames: Record<string, { fields: Record<string, unknown> }>) =>
  Object.fromEntries(Object.entries(frames).map(([name, frame]) => [name, Object.keys(frame.fields)]));

/** One well-formed frame of every client type, in an order that leaves `logout` (which ends the session) last. */
const SAMPLES: Record<ClientFrameType, Record<string, unknown>> = {
  ping: {},
  hello: { project: 'shop' },
  login: { userName: 'ada', password: 'secret-password' },
  openPage: { path: '/' },
  navigate: { pageId: 'nopage', path: '/b' },
  closePage: { pageId: 'nopage' },
  mountView: { pageId: 'nopage', viewPath: 'Inventory/List' },
  unmountView: { pageId: 'nopage', instanceId: 'i1' },
  componentEvent: { pageId: 'nopage', instanceId: 'i1', component: 'Button', event: 'onActionPerformed' },
  request: { handler: 'myMessage', payload: {} },
  registerHandler: { handler: 'myMessage' },
  unregisterHandler: { handler: 'myMessage' },
  bindTags: { paths: ['[default]A', 'A.Quality', 'not a [path'] },
  unbindTags: { paths: ['A'] },
  subscribe: { topic: 'Orders' },
  keyMatch: { pageId: 'nopage', name: 'scanner', event: {} },
  submitForm: { submissionId: 's1', name: 'Form', data: { email: 'a@b.c' } },
  startAuthChallenge: { payload: { action: 'approve' }, timeout: 1 },
  completeAuthChallenge: { challengeId: '0'.repeat(32), userName: 'ada', password: 'secret-password' },
  cancelAuthChallenge: { challengeId: '0'.repeat(32) },
  scanBarcode: { data: { text: '4006381333931', timestamp: 1570147485167 }, context: { line: 1 } },
  sendBluetoothAdvertisements: { data: { values: [{ rssi: -48, timestamp: 1570147485167 }] } },
  sendAccelerometerBatch: { data: { values: { data: [{ x: 0, y: 0.5, z: 9.8 }] } } },
  sendNdefRecords: { data: [{ type: 'T', typeNameFormat: 1, string: 'hello' }] },
  unsubscribe: { topic: 'Orders' },
  logout: {},
};

/** A Connection on a session manager whose one project runs no scripts, and the frames it sent. */
function connection() {
  const sessions = new SessionManager({
    project: () => ({
      isRunning: true,
      handlerModule: () => undefined,
      view: () => undefined,
      timeoutMs: 1000,
      sessionTimeoutMs: 1000,
      allowAnonymous: true,
      defaultTagProvider: 'default',
      maxPushPayloadBytes: 1000,
      pushScripts: () => [],
      keyRules: () => [],
    }),
    invoke: () => Promise.resolve(ok(null)),
    forms: new FormStore(':memory:'),
    tags: new TagSystem(new SqliteTagStore(':memory:'), new LogHub({ stdoutLevel: 'off' }).logger('tags')),
    logger: new LogHub({ stdoutLevel: 'off' }).logger('sessions'),
  });
  const sent: Record<string, unknown>[] = [];
  const socket: Socket = {
    send: (text) => sent.push(JSON.parse(text) as Record<string, unknown>),
    close: () => undefined,
    bufferedAmount: 0,
  };
  const auth = { verify: () => undefined, login: () => Promise.resolve({ userName: 'ada', roles: [] }) };
  const conn = new Connection(socket, sessions, auth, { host: '127.0.0.1', userAgent: 'test' });
  return { conn, sent, sessions };
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}

describe('the session protocol reference (docs/protocol.md)', () => {
  it('lists every declared client and gateway frame with exactly its declared fields, in order', () => {
    const rendered = renderedFrames(protocolFrames());
    expect(rendered).toEqual({ ...declared(CLIENT_FRAMES), ...declared(GATEWAY_FRAMES) });
  });

  it("shows each field's doc and whether it is required", () => {
    const text = protocolFrames();
    for (const frames of [CLIENT_FRAMES, GATEWAY_FRAMES] as Record<
      string,
      { fields: Record<string, { doc: string; optional?: boolean }> }
    >[])
      for (const frame of Object.values(frames))
        for (const [name, field] of Object.entries(frame.fields)) {
          const row = text.split('\n').find((line) => line.startsWith(`| \`${name}\` |`) && line.includes(field.doc.replace(/\|/g, '\\|')));
          expect(row, name).toBeDefined();
          expect(row, name).toContain(field.optional ? '| no |' : '| yes |');
        }
  });

  it('marks the frames this gateway does not support yet as reserved', () => {
    const text = protocolFrames();
    for (const name of [...Object.keys(NOT_YET_SUPPORTED.client), ...Object.keys(NOT_YET_SUPPORTED.gateway)]) {
      const section = text.slice(text.indexOf(`#### \`${name}\``));
      expect(section.split('\n')[2], name).toMatch(/^\*\*Reserved: not (supported|sent) by this gateway yet\*\*/);
    }
    expect(text).not.toContain('#### `hello`\n\n**Reserved');
  });

  it('answers a hello that has an id with its welcome, then a null reply, as its declared reply says', async () => {
    const { conn, sent } = connection();
    conn.received(JSON.stringify({ v: 1, type: 'hello', id: 1, project: 'shop' }), false);
    await waitFor(() => sent.length === 3);
    expect(sent.map((f) => f.type)).toEqual(['welcome', 'keyRules', 'reply']);
    expect(sent[1]).toEqual({ v: 1, type: 'keyRules', rules: [] });
    expect(sent[2]).toEqual({ v: 1, type: 'reply', id: 1, ok: true, value: null });
    expect(CLIENT_FRAMES.hello.reply).toMatch(/^`null`, after the `welcome`/);
  });

  it('reserves exactly the client frames that a connection refuses as not supported yet', async () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(CLIENT_FRAMES).sort());
    const { conn, sent } = connection();
    conn.received(JSON.stringify({ v: 1, type: 'hello', project: 'shop' }), false);
    await waitFor(() => sent.some((f) => f.type === 'welcome'));
    const unsupported: string[] = [];
    let id = 1;
    for (const [type, fields] of Object.entries(SAMPLES)) {
      const text = JSON.stringify({ v: 1, type, id: ++id, ...fields });
      expect(readClientFrame(text).ok, type).toBe(true);
      conn.received(text, false);
      const mine = (f: Record<string, unknown>) => f.type === 'reply' && f.id === id;
      await waitFor(() => sent.some(mine));
      const reply = sent.find(mine) as { ok: boolean; error?: { message: string } };
      if (!reply.ok && reply.error?.message.includes('is not supported by this gateway yet')) unsupported.push(type);
    }
    expect(unsupported.sort()).toEqual(Object.keys(NOT_YET_SUPPORTED.client).sort());
  });
});
