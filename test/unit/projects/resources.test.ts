import { describe, expect, it } from 'vitest';
import { classify } from '../../../engine/projects/resources.ts';

describe('classify', () => {
  it('knows every kind of project file', () => {
    expect(classify('project.json')).toEqual({ kind: 'config' });
    expect(classify('gateway-events/startup.ts')).toMatchObject({ kind: 'handler', scope: 'gateway', event: 'startup' });
    expect(classify('gateway-events/message/echo.ts')).toMatchObject({ kind: 'handler', scope: 'gateway', event: 'message', name: 'echo' });
    expect(classify('gateway-events/timer/poll.js')).toMatchObject({ kind: 'handler', event: 'timer', name: 'poll', sidecar: true });
    expect(classify('gateway-events/timer/poll.json')).toMatchObject({ kind: 'sidecar', script: 'gateway-events/timer/poll' });
    expect(classify('gateway-events/tag-change/level.ts')).toMatchObject({ kind: 'handler', event: 'tag-change', name: 'level' });
    for (const event of ['startup', 'shutdown', 'page-startup', 'auth-challenge', 'barcode', 'bluetooth', 'accelerometer', 'nfc']) {
      expect(classify(`session-events/${event}.ts`)).toMatchObject({ kind: 'handler', scope: 'session', event });
    }
    expect(classify('session-events/message/myMessage.ts')).toMatchObject({
      kind: 'handler',
      scope: 'session',
      event: 'message',
      name: 'myMessage',
    });
    expect(classify('session-events/keystroke/scanner.json')).toMatchObject({ kind: 'sidecar', event: 'keystroke', name: 'scanner' });
    expect(classify('session-events/form-submission/Form.ts')).toMatchObject({ kind: 'handler', event: 'form-submission', name: 'Form' });
    expect(classify('views/main/list/view.json')).toEqual({ kind: 'view', view: 'main/list' });
    expect(classify('views/main/list/onNewItem.ts')).toMatchObject({ kind: 'handler', scope: 'component', name: 'main/list/onNewItem' });
    expect(classify('named-queries/Startup Query.sql')).toEqual({ kind: 'named-query', name: 'Startup Query', part: 'sql' });
    expect(classify('named-queries/Reports/Daily.json')).toEqual({ kind: 'named-query', name: 'Reports/Daily', part: 'settings' });
    expect(classify('named-queries/Reports/notes.txt')).toMatchObject({ kind: 'ignored' });
    expect(classify('named-queries/-bad/Q.sql')).toMatchObject({ kind: 'ignored' });
    expect(classify('lib/deep/util.ts')).toEqual({ kind: 'lib' });
  });

  it('ignores what is not part of the layout, with a reason', () => {
    for (const path of [
      'README.md',
      'gateway-events/message/.echo.ts.swp',
      'gateway-events/message/echo.ts~',
      'session-events/unknown.ts',
      'lib/types.d.ts',
      'gateway-events/message/../x.ts',
    ]) {
      expect(classify(path).kind, path).toBe('ignored');
    }
  });
});
