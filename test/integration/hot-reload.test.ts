import { afterEach, describe, expect, it } from 'vitest';
import { handler, startGateway, type TestGateway } from '../helpers/fixture.ts';

let t: TestGateway;
afterEach(() => t?.stop());

const diagnosticsOf = (project: string) => t.gateway.project(project)?.status().diagnostics ?? [];

describe('hot reload', () => {
  it('answers with the new code after a save, without restart', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'v1'") } } });
    expect(await t.request('p', 'echo')).toBe('v1');
    t.write('p', 'gateway-events/message/echo.ts', handler("'v2'"));
    await t.waitFor(async () => (await t.request('p', 'echo')) === 'v2', 5000, 'v2');
  });

  it('keeps the last good version on a syntax error and reports file:line:col', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'good'") } } });
    t.write('p', 'gateway-events/message/echo.ts', `export default function () {\n  return 'x';\n  const = 3;\n}\n`);
    await t.waitFor(() => diagnosticsOf('p').length > 0, 5000, 'a diagnostic');
    const [d] = diagnosticsOf('p');
    expect(d).toMatchObject({ line: 3, column: 9, severity: 'error', file: expect.stringMatching(/p\/gateway-events\/message\/echo\.ts$/) });
    expect(t.gateway.project('p')!.status().status).toBe('failing');
    expect(await t.request('p', 'echo')).toBe('good');
    expect(t.logs((r) => r.level === 'error' && /echo\.ts:3:9 /.test(r.message)).length).toBe(1);
    t.write('p', 'gateway-events/message/echo.ts', handler("'fixed'"));
    await t.waitFor(async () => (await t.request('p', 'echo')) === 'fixed', 5000, 'fixed');
    expect(diagnosticsOf('p')).toEqual([]);
  });

  it('keeps the last good version when a script throws at load time, imports something forbidden, or has no default export', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'good'") } } });
    const cases: [string, RegExp, number][] = [
      [`const x = 1;\nthrow new Error('load failed ' + x);\nexport default () => 1;\n`, /load failed 1/, 2],
      [`import { readFileSync } from 'node:fs';\nexport default () => readFileSync('/etc/passwd');\n`, /import of "node:fs" is not allowed/, 1],
      [`import x from '../../../other/lib/x';\nexport default () => x;\n`, /outside the project's lib\/ folder|not allowed/, 1],
      [`export const notDefault = 1;\n`, /no default export function/, 1],
    ];
    for (const [source, message, line] of cases) {
      t.write('p', 'gateway-events/message/echo.ts', source);
      const d = await t.waitFor(() => diagnosticsOf('p').find((x) => message.test(x.message)), 5000, String(message));
      expect(d!.line).toBe(line);
      expect(await t.request('p', 'echo')).toBe('good');
    }
  });

  it('adds, renames and deletes handlers', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/a.ts': handler("'a'") } } });
    t.write('p', 'gateway-events/message/b.ts', handler("'b'"));
    await t.waitFor(async () => (await t.request('p', 'b').catch(() => undefined)) === 'b', 5000, 'b added');
    t.writeByRename('p', 'gateway-events/message/c.ts', handler("'c'"));
    t.remove('p', 'gateway-events/message/b.ts');
    await t.waitFor(async () => (await t.request('p', 'c').catch(() => undefined)) === 'c', 5000, 'c added');
    await t.waitFor(async () => (await t.request('p', 'b').catch((e) => e.code)) === 'NOT_FOUND', 5000, 'b removed');
  });

  it('reloads the handlers that import a changed lib module, and resets module state', async () => {
    t = await startGateway({
      p: {
        files: {
          'lib/greeting.ts': `export const greeting = 'hello';\n`,
          'gateway-events/message/greet.ts': `import { greeting } from '../../lib/greeting';\nlet calls = 0;\nexport default () => greeting + ' ' + ++calls;\n`,
        },
      },
    });
    expect(await t.request('p', 'greet')).toBe('hello 1');
    expect(await t.request('p', 'greet')).toBe('hello 2');
    t.write('p', 'lib/greeting.ts', `export const greeting = 'bonjour';\n`);
    await t.waitFor(async () => (await t.request('p', 'greet')) === 'bonjour 1', 5000, 'bonjour 1');
  });

  it('applies project.json changes: a bad file keeps the last good configuration, disabling unloads, enabling loads', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'on'") } }, q: { files: { 'gateway-events/message/echo.ts': handler("'q'") } } });
    t.write('p', 'project.json', '{ "enabled": tru }');
    await t.waitFor(() => diagnosticsOf('p').some((d) => /project\.json$/.test(d.file) && /invalid JSON/.test(d.message)), 5000, 'json diagnostic');
    expect(await t.request('p', 'echo')).toBe('on');
    t.write('p', 'project.json', '{ "enabled": true, "colour": "red" }');
    await t.waitFor(() => diagnosticsOf('p').some((d) => /unknown key "colour"/.test(d.message)), 5000, 'unknown key diagnostic');
    t.write('p', 'project.json', '{ "limits": { "timeoutMs": "soon" } }');
    await t.waitFor(() => diagnosticsOf('p').some((d) => /"limits.timeoutMs" must be a number/.test(d.message)), 5000, 'wrong type diagnostic');
    expect(await t.request('p', 'echo')).toBe('on');
    t.write('p', 'project.json', '{ "enabled": false }');
    await t.waitFor(async () => (await t.request('p', 'echo').catch((e) => e.code)) === 'PROJECT_UNAVAILABLE', 5000, 'disabled');
    expect(t.gateway.project('p')!.status()).toMatchObject({ status: 'not-loaded', reason: 'disabled in project.json' });
    t.write('p', 'project.json', '{}');
    await t.waitFor(async () => (await t.request('p', 'echo').catch(() => undefined)) === 'on', 5000, 're-enabled');
    expect(await t.request('q', 'echo')).toBe('q');
  });

  it('reports a project whose project.json never parsed as not loaded, and loads it once fixed', async () => {
    t = await startGateway({ bad: { files: { 'gateway-events/message/echo.ts': handler("'bad'") } } });
    t.write('bad', 'project.json', '[1, 2]');
    t.write('late', 'project.json', '{"title": 5}');
    t.write('late', 'gateway-events/message/echo.ts', handler("'late'"));
    await t.waitFor(() => t.gateway.project('late')?.status().status === 'not-loaded' && diagnosticsOf('late').some((d) => /"title" must be a string/.test(d.message)), 5000, 'late not loaded');
    t.write('late', 'project.json', '{"title": "Late"}');
    await t.waitFor(async () => (await t.request('late', 'echo').catch(() => undefined)) === 'late', 5000, 'late loaded');
  });

  it('adds and removes whole project folders, firing startup and shutdown', async () => {
    t = await startGateway({});
    t.project('fresh', {
      'gateway-events/startup.ts': `export default () => system.util.getLogger('life').info('fresh up');\n`,
      'gateway-events/shutdown.ts': `export default () => system.util.getLogger('life').info('fresh down');\n`,
      'gateway-events/message/echo.ts': handler("'fresh'"),
    });
    await t.waitFor(async () => (await t.request('fresh', 'echo').catch(() => undefined)) === 'fresh', 5000, 'fresh loaded');
    await t.waitFor(() => t.logs((r) => r.message === 'fresh up').length === 1, 5000, 'startup log');
    const { rmSync } = await import('node:fs');
    rmSync(`${t.projectsDir}/fresh`, { recursive: true });
    await t.waitFor(() => t.logs((r) => r.message === 'fresh down').length === 1, 5000, 'shutdown log');
    await t.waitFor(async () => (await t.request('fresh', 'echo').catch((e) => e.code)) === 'NOT_FOUND', 5000, 'fresh gone');
  });

  it('does not report errors for an editor that saves in several partial writes', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/echo.ts': handler("'v1'") } } });
    const full = `export default function (payload: any) {\n  const parts = ['v', 2];\n  return parts.join('');\n}\n`;
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(`${t.projectsDir}/p/gateway-events/message/echo.ts`, 'w');
    writeSync(fd, full.slice(0, 30));
    await new Promise((r) => setTimeout(r, 40)); // the watcher sees the half-written file
    writeSync(fd, full.slice(30));
    closeSync(fd);
    await t.waitFor(async () => (await t.request('p', 'echo')) === 'v2', 5000, 'v2');
    await new Promise((r) => setTimeout(r, 300));
    expect(t.logs((r) => r.level === 'error').map((r) => r.message)).toEqual([]);
  });

  it('never drops or hangs a request while its handler reloads: a steady stream across many saves', async () => {
    t = await startGateway({ p: { files: { 'gateway-events/message/v.ts': handler('0') } } });
    let stop = false;
    let answered = 0;
    const failures: unknown[] = [];
    const seen = new Set<unknown>();
    const stream = (async () => {
      while (!stop) {
        try {
          seen.add(await t.request('p', 'v', {}, 5));
          answered++;
        } catch (error) {
          failures.push(error);
          if (failures.length > 100) break;
        }
        await new Promise((r) => setImmediate(r)); // let the watcher run between requests
      }
    })();
    for (let version = 1; version <= 25; version++) {
      t.write('p', 'gateway-events/message/v.ts', handler(String(version)));
      await t.waitFor(() => seen.has(version), 5000, `version ${version}`);
    }
    stop = true;
    await stream;
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(25);
  });
});

describe('gateway timer scripts', () => {
  it('run at the delay of their sidecar, follow sidecar changes, and stop when the script is deleted', async () => {
    t = await startGateway({
      p: {
        files: {
          'gateway-events/timer/tick.ts': `let n = 0;\nexport default function () {\n  system.util.getLogger('tick').info('tick ' + ++n);\n}\n`,
          'gateway-events/timer/tick.json': '{"delayMs": 20}',
        },
      },
    });
    const ticks = () => t.logs((r) => r.logger === 'tick').length;
    await t.waitFor(() => ticks() >= 3, 5000, 'three ticks');
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": 20, "enabled": false}');
    await t.waitFor(async () => {
      const before = ticks();
      await new Promise((r) => setTimeout(r, 100));
      return ticks() === before;
    }, 5000, 'ticks to stop when disabled');
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": "often"}');
    await t.waitFor(() => diagnosticsOf('p').some((d) => d.message === '"delayMs" must be a number between 10 and 86400000; received "often"'), 5000, 'sidecar diagnostic');
    t.write('p', 'gateway-events/timer/tick.json', '{"delayMs": 20, "mode": "fixedRate"}');
    const resumed = ticks();
    await t.waitFor(() => ticks() >= resumed + 3, 5000, 'ticks to resume');
    t.remove('p', 'gateway-events/timer/tick.ts');
    await t.waitFor(async () => {
      const before = ticks();
      await new Promise((r) => setTimeout(r, 100));
      return ticks() === before;
    }, 5000, 'ticks to stop after delete');
  });
});
