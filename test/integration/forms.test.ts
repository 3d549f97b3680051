// Form submissions (issue 15 item 2, seeds/002) through a real gateway and the SDK's Form Submission Manager with a
// real file as its storage: the seed's email example, one processing per submission id (duplicates get the stored
// response), a submission made while the gateway cannot be reached sent again with retry = true and processed once,
// a run cut short by a crash never run again, and a script that throws or answers garbage giving a generic failure.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, FileFormStorage } from '../../client/index.ts';
import { FormStore } from '../../engine/sessions/form-store.ts';
import { FORM_FAILED, FORM_INTERRUPTED } from '../../engine/sessions/form-submissions.ts';
import { useGateway } from '../helpers/fixture.ts';
import { SessionSocket } from '../helpers/session-socket.ts';

const sample = (name: string) => readFileSync(new URL(`../../projects/samplequickstart/${name}`, import.meta.url), 'utf8');

const t = useGateway({
  p: {
    files: {
      'session-events/form-submission/Form.ts': sample('session-events/form-submission/Form.ts'),
      // Counts its runs per submission (in a tag-free way: the gateway log) and says whether it was a retry.
      'session-events/form-submission/Count.ts': `export default function (session: any, data: any, formContext: any, sessionContext: any, retry: boolean) {
  system.util.getLogger('Count').info('run ' + data.n + ' retry=' + retry + ' ctx=' + JSON.stringify(formContext) + ' ' + JSON.stringify(sessionContext));
  return { success: true, message: 'counted ' + data.n };
}
`,
      'session-events/form-submission/Throws.ts': `export default function () { throw new Error('secret detail of the failure'); }\n`,
      'session-events/form-submission/Garbage.ts': `export default function () { return { success: 'yes' }; }\n`,
      'session-events/form-submission/Nothing.ts': `export default function () {}\n`,
    },
  },
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function storage() {
  const dir = mkdtempSync(join(tmpdir(), 'flint-forms-'));
  dirs.push(dir);
  const path = join(dir, 'pending.json');
  return { path, store: new FileFormStorage(path, fs) };
}
const runs = (n: unknown) => t.logs((r) => r.logger === 'Count' && r.message.startsWith(`run ${String(n)} `));

async function open(reconnectDelayMs = 50) {
  const url = `${(await t.http()).url.replace('http', 'ws')}/session`;
  return connect({ url, project: 'p', reconnectDelayMs });
}

describe('form submissions (seeds/002)', () => {
  it("answers the seed's email example: a field error without an email, a success with one", async () => {
    const session = await open();
    const forms = session.formSubmissions(storage().store);
    expect(await forms.submitForm('Form', { email: '' })).toEqual({
      success: false,
      title: 'Missing Required Field',
      message: 'Email address is required.',
      fieldErrors: { email: { title: 'Required', message: 'Please enter your email.' } },
    });
    expect(await forms.submitForm('Form', { email: 'ada@example.com' })).toEqual({
      success: true,
      title: 'Form Submitted',
      message: 'Thank you for your submission!',
    });
    expect(t.logs((r) => r.logger === 'Form' && r.message.startsWith('Received form submission: '))).toHaveLength(2);
    expect(await forms.pending()).toEqual([]);
    await session.logout();
  });

  it('runs the script once per submission id: a duplicate, even concurrent, gets the stored response', async () => {
    const { socket } = await SessionSocket.session(t, 'p');
    const frame = { type: 'submitForm', submissionId: 'dup-1', name: 'Count', data: { n: 'dup' }, formContext: { form: 'a' } };
    const [a, b] = await Promise.all([socket.value(frame), socket.value(frame)]);
    const c = await socket.value({ ...frame, retry: true });
    expect([a, b, c]).toEqual([
      { success: true, message: 'counted dup' },
      { success: true, message: 'counted dup' },
      { success: true, message: 'counted dup' },
    ]);
    expect(runs('dup')).toHaveLength(1);
    socket.close();
    // Another session, later, with the same id: still the stored response.
    const other = await SessionSocket.session(t, 'p');
    expect(await other.socket.value(frame)).toEqual({ success: true, message: 'counted dup' });
    expect(runs('dup')).toHaveLength(1);
    other.socket.close();
  });

  it('keeps a submission made while the gateway cannot be reached, sends it again with retry, and processes it once', async () => {
    const session = await open(1000);
    const { path, store } = storage();
    const forms = session.formSubmissions(store, { retryDelayMs: 50, maxRetryDelayMs: 200 });
    const down = t.waitFor(() => t.gateway.sessions.get(session.sessionId)?.clients.size === 0, 5000, 'the socket down');
    session.dropConnection();
    await down;
    const answered = forms.submitForm('Count', { n: 'offline' }, { form: 'b' }, { device: 'tablet 7' });
    // Stored, then marked sent once its first try went out (and failed: the socket is down).
    await t.waitFor(async () => (await forms.pending())[0]?.sent === true, 5000, 'the submission stored and tried');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject([{ name: 'Count', data: { n: 'offline' }, sent: true }]);
    expect(runs('offline')).toHaveLength(0);
    expect(await answered).toEqual({ success: true, message: 'counted offline' });
    expect(runs('offline').map((r) => r.message)).toEqual(['run offline retry=true ctx={"form":"b"} {"device":"tablet 7"}']);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual([]);
    await session.logout();
  });

  it('sends what an earlier run of the client left stored, and hands the answer to onResponse', async () => {
    const { path, store } = storage();
    await store.put({ submissionId: 'left-1', name: 'Count', data: { n: 'left' }, formContext: {}, sessionContext: {}, sent: true });
    const session = await open();
    const forms = session.formSubmissions(new FileFormStorage(path, fs));
    const answers: unknown[] = [];
    forms.onResponse((id, response) => answers.push([id, response]));
    expect(await forms.resume()).toBe(1);
    await t.waitFor(() => answers.length === 1, 5000, 'the answer');
    expect(answers).toEqual([['left-1', { success: true, message: 'counted left' }]]);
    expect(runs('left').map((r) => r.message)[0]).toMatch(/^run left retry=true/);
    await session.logout();
  });

  it('never runs again a submission whose run a crash cut short, and says so', async () => {
    // What a gateway killed while the script ran leaves: the submission recorded as started, with no response.
    const store = new FormStore(join(t.root, 'data', 'forms.sqlite'));
    store.start('p', 'crashed-1', 'Count', { n: 'crashed' });
    store.close();
    const { socket } = await SessionSocket.session(t, 'p');
    expect(
      await socket.value({ type: 'submitForm', submissionId: 'crashed-1', name: 'Count', data: { n: 'crashed' }, retry: true }),
    ).toEqual(FORM_INTERRUPTED);
    expect(runs('crashed')).toHaveLength(0);
    expect(t.logs((r) => r.message.includes('form submission crashed-1 of project "p" was cut short'))).toHaveLength(1);
    socket.close();
  });

  it('answers a generic failure when the script throws or returns no valid response; the details stay in the log', async () => {
    const session = await open();
    const forms = session.formSubmissions(storage().store);
    expect(await forms.submitForm('Throws', {})).toEqual(FORM_FAILED);
    expect(t.logs((r) => r.level === 'error' && r.message.includes('secret detail of the failure'))).toHaveLength(1);
    expect(JSON.stringify(FORM_FAILED)).not.toContain('secret');
    expect(await forms.submitForm('Garbage', {})).toEqual(FORM_FAILED);
    expect(
      t.logs((r) => r.message.includes('"Garbage" of project "p" returned no valid response: "success" must be true or false')),
    ).toHaveLength(1);
    expect(await forms.submitForm('Nothing', {})).toEqual({ success: true });
    await session.logout();
  });

  it('refuses an unknown script and malformed frames, and drops such a submission from storage', async () => {
    const session = await open();
    const forms = session.formSubmissions(storage().store);
    await expect(forms.submitForm('Missing', {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await forms.pending()).toEqual([]);
    await session.logout();
    const { socket } = await SessionSocket.session(t, 'p');
    for (const frame of [
      { name: 'Count', data: {} },
      { submissionId: '../x', name: 'Count', data: {} },
      { submissionId: 'a', name: 'Count', data: [] },
      { submissionId: 'a', name: 'Count', data: {}, retry: 'no' },
      { submissionId: 'a', name: 'Count', data: {}, extra: 1 },
    ]) {
      const reply = await socket.call({ type: 'submitForm', ...frame });
      expect(reply.error?.code, JSON.stringify(frame)).toBe('BAD_REQUEST');
    }
    socket.close();
  });
});
