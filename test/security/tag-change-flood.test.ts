// Attack: gateway tag-change scripts that cannot keep up. One loops forever on every change while a flood of writes
// arrives; one writes the tag it watches on every change (a feedback loop); one writes its own tag fifty times per
// change, so its changes grow faster than it runs. Each script's queue stays bounded (the oldest changes are dropped,
// with one warning), the gateway and another project keep answering, and disabling or deleting the script ends it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TAG_CHANGE_QUEUE_SIZE } from '../../engine/events/gateway-tag-changes.ts';
import { useGateway } from '../helpers/fixture.ts';
import { bystander, expectServing } from './hostile.ts';

const tagsDir = mkdtempSync(join(tmpdir(), 'flint-tags-'));
writeFileSync(
  join(tagsDir, 'default.json'),
  JSON.stringify({ tags: ['Flood', 'Echo', 'Grow'].map((name) => ({ name, dataType: 'Int', value: 0 })) }),
);
afterAll(() => rmSync(tagsDir, { recursive: true, force: true }));

const handler = (body: string) => `export default ((initialChange, newValue) => {\n${body}\n}) satisfies Flint.GatewayTagChangeHandler;\n`;

const script = (name: string, path: string, body: string) => ({
  config: { limits: { timeoutMs: 1000 } },
  files: {
    [`gateway-events/tag-change/${name}.ts`]: handler(body),
    [`gateway-events/tag-change/${name}.json`]: JSON.stringify({ paths: [path] }),
  },
});

// One project each: a script stuck in its isolate would hold up the others' runs in the same isolate.
const t = useGateway(
  {
    bystander,
    looping: script('loop', 'Flood', '  while (true) {}'),
    echoing: script('echo', 'Echo', "  system.tag.writeBlocking(['Echo'], [(newValue.value as number) + 1]);"),
    growing: script(
      'grow',
      'Grow',
      "  const v = newValue.value as number;\n  system.tag.writeBlocking(Array(50).fill('Grow'), Array.from({ length: 50 }, (_, i) => v + i + 1));",
    ),
  },
  { tagsDir },
);

const projectOf: Record<string, string> = { loop: 'looping', echo: 'echoing', grow: 'growing' };
const statusOf = (name: string) => t.gateway.tagChanges.status(projectOf[name]).find((s) => s.name === name);
const fallingBehind = (name: string) =>
  t.logs(
    (r) =>
      r.level === 'warn' &&
      r.message.startsWith(`tag change script "${name}" of project "${projectOf[name]}" has ${TAG_CHANGE_QUEUE_SIZE}`),
  );
/** Waits until `read` gives the same value twice, 150 ms apart. */
const settles = (read: () => unknown, what: string) =>
  t.waitFor(
    async () => {
      const before = JSON.stringify(read());
      await new Promise((r) => setTimeout(r, 150));
      return JSON.stringify(read()) === before;
    },
    10_000,
    what,
  );

describe('a tag-change script that cannot keep up', () => {
  it('that loops forever while writes flood in keeps at most the queue size waiting, and the gateway answers', async () => {
    await t.waitFor(() => statusOf('loop')?.executions === 1, 10_000, 'the initial call to start');
    const flood = Array.from({ length: 1500 }, (_, i) => i + 1);
    for (let round = 0; round < 2; round++) {
      const written = await t.gateway.tagSystem.write(
        flood.map(() => '[default]Flood'),
        flood,
        'default',
      );
      expect(written.every((q) => q.quality === 'Good')).toBe(true);
      expect(statusOf('loop')!.queued).toBeLessThanOrEqual(TAG_CHANGE_QUEUE_SIZE);
      await expectServing(t);
    }
    const status = statusOf('loop')!;
    expect(status.queued).toBe(TAG_CHANGE_QUEUE_SIZE);
    expect(status.dropped).toBeGreaterThanOrEqual(3000 - TAG_CHANGE_QUEUE_SIZE - 2 * status.executions);
    expect(fallingBehind('loop')).toHaveLength(1); // once, while it has not caught up
    // Each run ends at the project's timeout; the script gets its changes one at a time.
    await t.waitFor(
      () => t.logs((r) => r.project === 'looping' && /tag-change "loop" script .* failed/.test(r.message)).length >= 2,
      10_000,
      'runs to time out',
    );
    t.remove('looping', 'gateway-events/tag-change/loop.ts');
    await t.waitFor(() => statusOf('loop') === undefined, 10_000, 'the script to unsubscribe');
    await expectServing(t);
  });

  it('that writes the tag it watches runs again and again, one run at a time, until it is disabled', async () => {
    await t.waitFor(() => (statusOf('echo')?.executions ?? 0) > 30, 20_000, 'the feedback loop to run');
    for (let i = 0; i < 3; i++) {
      expect(statusOf('echo')!.queued).toBeLessThanOrEqual(1);
      await expectServing(t);
    }
    t.write('echoing', 'gateway-events/tag-change/echo.json', JSON.stringify({ paths: ['Echo'], enabled: false }));
    await t.waitFor(() => statusOf('echo') === undefined, 10_000, 'the script to unsubscribe');
    await settles(() => t.gateway.tags.read(['[default]Echo'], 'default')[0].value, 'the feedback loop to end');
    await expectServing(t);
  });

  it('whose changes grow faster than it runs keeps its queue bounded, and stops when the script is deleted', async () => {
    await t.waitFor(() => fallingBehind('grow').length > 0, 30_000, 'the queue of grow to fill');
    for (let i = 0; i < 3; i++) {
      expect(statusOf('grow')!.queued).toBeLessThanOrEqual(TAG_CHANGE_QUEUE_SIZE);
      await expectServing(t);
    }
    expect(fallingBehind('grow')).toHaveLength(1);
    t.remove('growing', 'gateway-events/tag-change/grow.ts');
    await t.waitFor(() => statusOf('grow') === undefined, 10_000, 'the script to unsubscribe');
    await expectServing(t);
  });
});
