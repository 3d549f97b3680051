import { beforeAll, describe, expect, it, vi } from 'vitest';
import { LogRing } from '../../engine/logging/log-ring.ts';
import { formatRecord, LogHub } from '../../engine/logging/logger.ts';
import { useGateway } from '../helpers/fixture.ts';

const t = useGateway({
  p: {
    files: {
      'gateway-events/message/log.ts': [
        'export default function () {',
        "  const logger = system.util.getLogger('Audit');",
        "  logger.trace('t'); logger.debug('d'); logger.info('i'); logger.warn('w'); logger.error('e');",
        "  logger.infof('%s scanned %d items at %.2f kg (%x) %j 100%%', 'Ada', 12.9, 3.14159, 255, { a: 1 });",
        '  logger.info({ structured: true });',
        "  console.log('from console', 42);",
        '}',
        '',
      ].join('\n'),
      'gateway-events/message/forge.ts': [
        'export default function () {',
        "  system.util.getLogger('inj\\nFAKE').info('line1\\n2026-11-23T00:00:00.000Z ERROR gateway: FORGED\\r\\t\\u001b[31mred\\u0000nul\\u009b\\u007f');",
        '}',
        '',
      ].join('\n'),
      'gateway-events/message/badLogger.ts': `export default function () {\n  try { system.util.getLogger(''); } catch (e: any) { return e.message; }\n}\n`,
    },
  },
});
beforeAll(async () => {
  await t.request('p', 'log');
});

describe('system.util.getLogger', () => {
  it('writes records at every level with time, logger, project and the calling file:line', () => {
    const records = t.logs((r) => r.logger === 'Audit');
    expect(records.slice(0, 5).map((r) => [r.level, r.message])).toEqual([
      ['trace', 't'],
      ['debug', 'd'],
      ['info', 'i'],
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    for (const r of records) {
      expect(r.project).toBe('p');
      expect(Date.parse(r.time)).not.toBeNaN();
    }
    expect(records[0].source).toMatchObject({ file: expect.stringMatching(/p\/gateway-events\/message\/log\.ts$/), line: 3 });
    expect(records[5].source).toMatchObject({ line: 4 });
  });

  it('formats the *f variants like printf', () => {
    expect(t.logs((r) => r.logger === 'Audit')[5].message).toBe('Ada scanned 12 items at 3.14 kg (ff) {"a":1} 100%');
    expect(t.logs((r) => r.logger === 'Audit')[6].message).toBe('{"structured":true}');
  });

  it('routes console.log through the logger "console"', () => {
    expect(t.logs((r) => r.logger === 'console')).toMatchObject([{ level: 'info', message: 'from console 42', source: { line: 6 } }]);
  });

  it('refuses an empty logger name with a clear message', async () => {
    expect(await t.request('p', 'badLogger')).toBe(
      'system.util.getLogger: argument 1 "name" must be at least 1 characters long; received ""',
    );
  });
});

describe('the stdout log', () => {
  it('writes control characters from a script as escapes, one line per record, and keeps the record as it was', async () => {
    await t.request('p', 'forge');
    const [record] = t.logs((r) => r.logger === 'inj\nFAKE');
    expect(record.message).toBe('line1\n2026-11-23T00:00:00.000Z ERROR gateway: FORGED\r\t\u001b[31mred\u0000nul\u009b\u007f');
    const line = formatRecord(record);
    // eslint-disable-next-line no-control-regex -- the line must hold no control character
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(line).toBe(
      `${record.time} INFO  inj\\nFAKE [p]: line1\\n2026-11-23T00:00:00.000Z ERROR gateway: FORGED\\r\\t\\u001b[31mred\\u0000nul\\u009b\\u007f (${record.source!.file}:2:38)`,
    );
  });

  it('is what the gateway writes to stdout', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      new LogHub({ stdoutLevel: 'info' }).logger('a\u001b]0;title\u0007').info('x\ny', { project: 'p' });
      expect(write).toHaveBeenCalledTimes(1);
      expect(write.mock.calls[0][0]).toMatch(/^\S+ INFO {2}a\\u001b]0;title\\u0007 \[p\]: x\\ny\n$/);
    } finally {
      write.mockRestore();
    }
  });
});

describe('LogRing', () => {
  it('keeps the latest records up to its capacity, filters them, and tells subscribers', () => {
    const ring = new LogRing(3);
    const seen: number[] = [];
    const unsubscribe = ring.subscribe((r) => seen.push(r.seq));
    for (let seq = 1; seq <= 5; seq++)
      ring.push({
        seq,
        time: '',
        level: seq % 2 ? 'info' : 'error',
        logger: 'x',
        message: String(seq),
        project: seq === 5 ? 'q' : undefined,
      });
    unsubscribe();
    ring.push({ seq: 6, time: '', level: 'info', logger: 'x', message: '6' });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(ring.query().map((r) => r.seq)).toEqual([4, 5, 6]);
    expect(ring.query({ minLevel: 'error' }).map((r) => r.seq)).toEqual([4]);
    expect(ring.query({ after: 4, project: 'q' }).map((r) => r.seq)).toEqual([5]);
    expect(ring.query({ limit: 1 }).map((r) => r.seq)).toEqual([6]);
  });
});
