// A form submission whose gateway is killed (SIGKILL of the whole process group) while its script runs (issue 15, Bad
// input and faults): the client keeps it in its file storage; against the gateway started again on the same data
// folder the client's manager sends it again, and it is answered "Submission interrupted" without the script running
// a second time. A submission made while the gateway is down is processed once it is back.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { connect, FileFormStorage } from '../../client/index.ts';
import { FORM_INTERRUPTED } from '../../engine/sessions/form-submissions.ts';
import { startGatewayProcess } from '../helpers/gateway-process.ts';
import { waitFor } from '../helpers/wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'flint-forms-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const projects = join(dir, 'projects');
mkdirSync(join(projects, 'p/session-events/form-submission'), { recursive: true });
writeFileSync(join(projects, 'p/project.json'), JSON.stringify({ limits: { timeoutMs: 20_000 } }));
// Logs that it started, then takes its time: the test kills the gateway meanwhile.
writeFileSync(
  join(projects, 'p/session-events/form-submission/Slow.ts'),
  `export default function (session: any, data: any) {
  system.util.getLogger('form').info('processing ' + data.n);
  if (data.slow) { const end = Date.now() + 15000; while (Date.now() < end); }
  return { success: true, message: 'done ' + data.n };
}
`,
);

const start = () => startGatewayProcess({ projects, data: join(dir, 'data'), tags: join(dir, 'tags') });

it('answers a submission cut short by kill -9 as interrupted after the restart, never running it twice', { timeout: 120_000 }, async () => {
  const path = join(dir, 'pending.json');
  const first = start();
  const session = await connect({ url: await first.sessionUrl(1), project: 'p', reconnect: false });
  const forms = session.formSubmissions(new FileFormStorage(path, fs), { retryDelayMs: 100, maxRetryDelayMs: 500 });
  const answered = forms.submitForm('Slow', { n: 1, slow: true });
  await waitFor(() => first.output().includes('processing 1'), 20_000, 'the script running');
  await first.kill();
  forms.stop();
  answered.catch(() => undefined);
  expect(await new FileFormStorage(path, fs).load()).toMatchObject([{ name: 'Slow', data: { n: 1, slow: true }, sent: true }]);

  const second = start();
  try {
    const again = await connect({ url: await second.sessionUrl(1), project: 'p', reconnect: false });
    const resumed = again.formSubmissions(new FileFormStorage(path, fs));
    const answers: unknown[] = [];
    resumed.onResponse((_id, response) => answers.push(response));
    expect(await resumed.resume()).toBe(1);
    await waitFor(() => answers.length === 1, 20_000, 'the answer');
    expect(answers).toEqual([FORM_INTERRUPTED]);
    expect(second.output()).not.toContain('processing 1');
    expect(await resumed.pending()).toEqual([]);
    // A new submission on the restarted gateway runs as usual.
    expect(await resumed.submitForm('Slow', { n: 2 })).toEqual({ success: true, message: 'done 2' });
    await again.logout();
  } finally {
    await second.kill();
  }
});
