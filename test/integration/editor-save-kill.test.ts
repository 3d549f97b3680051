// Editor saves cut short by kill -9 (issue 13, Bad input and faults): a real gateway process saves large handlers
// through the editor API while the test SIGKILLs its whole process group, at varying moments, several rounds. Each file
// must then be exactly its old or its new text, never a truncated mix; the hidden temporary files a killed save leaves
// are removed when the gateway starts again (engine/editor/editor-files.ts, removeStaleTemporaryFiles), never loaded as
// scripts; and the restarted gateway runs what is on disk.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { RunningServer } from '../../api/server.ts';
import { EditorClient } from '../helpers/editor-client.ts';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.ts';
import { waitFor } from '../helpers/wait-for.ts';

const dir = mkdtempSync(join(tmpdir(), 'flint-editor-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const projects = join(dir, 'projects');
const folder = join(projects, 'p/gateway-events/message');
const NAMES = ['alpha', 'beta', 'gamma'];
const TARGET_BYTES = 900 * 1024;
const pathOf = (name: string) => `gateway-events/message/${name}.ts`;

/** A handler of about 900 KiB that answers its round; the last line names the round too, so a cut file shows. */
function content(name: string, round: number): string {
  const head = `export default () => ${JSON.stringify(`${name} v${round}`)};\n`;
  const line = `// ${name} round ${round} ${'.'.repeat(100)}\n`;
  const body = line.repeat(Math.ceil((TARGET_BYTES - head.length) / line.length));
  return `${head}${body}// end of ${name} v${round}\n`;
}

mkdirSync(folder, { recursive: true });
writeFileSync(join(projects, 'p/project.json'), '{}');
for (const name of NAMES) writeFileSync(join(folder, `${name}.ts`), content(name, 0));

const start = () => startGatewayProcess({ projects, data: join(dir, 'data'), tags: join(dir, 'tags') });

async function logIn(gateway: GatewayProcess): Promise<EditorClient> {
  await gateway.sessionUrl(1);
  const url = /listening on (http:\/\/\S+)/.exec(gateway.output())![1];
  const client = new EditorClient({ url } as RunningServer);
  const token = readFileSync(join(dir, 'data', 'admin-token'), 'utf8').trim();
  expect((await client.login({ token })).status).toBe(200);
  return client;
}

const answerOf = async (client: EditorClient, name: string) => {
  const ran = await client.post('/api/editor/run', { project: 'p', handler: name, payload: {} });
  expect(ran.json, JSON.stringify(ran.json).slice(0, 300)).toMatchObject({ ok: true });
  return ran.json.value as string;
};

const tempFiles = () => readdirSync(folder).filter((f) => f.endsWith('.flint-tmp'));

it(
  'leaves every file old or new when the gateway is killed mid-save, and the restarted gateway runs what is on disk',
  { timeout: 240_000 },
  async () => {
    /** What each file holds, as last checked on disk. */
    const onDisk = new Map(NAMES.map((name) => [name, 0]));
    let gateway = start();
    let client = await logIn(gateway);
    let killedWithTempFile = 0;
    let newWritten = 0;
    let oldKept = 0;
    let answered = 0;
    const ROUNDS = 8;
    const DELAYS_MS = [5, 40, 150, 600];
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        // Half the rounds kill the moment a temporary file appears (the save is between its write and its rename); the
        // others after a delay that grows, so that kills land in the writes, the fsyncs, the renames, the loads and after.
        const onTemp = round % 2 === 1;
        let killed: Promise<void> | undefined;
        const watcher = onTemp
          ? watch(folder, (_event, file) => {
              if (!killed && file?.endsWith('.flint-tmp')) killed = gateway.kill();
            })
          : undefined;
        const versions = await Promise.all(NAMES.map(async (name) => (await client.file('p', pathOf(name))).json.version as string));
        const saves = NAMES.map((name, i) =>
          client.post('/api/editor/save', { project: 'p', path: pathOf(name), content: content(name, round), version: versions[i] }).then(
            (answer) => answer.status,
            () => 'cut',
          ),
        );
        if (!onTemp) {
          await new Promise((resolve) => setTimeout(resolve, DELAYS_MS[(round / 2 - 1) % DELAYS_MS.length]));
          killed = gateway.kill();
        }
        // A kill on a temporary file that came too late (every save answered first) is made after the saves.
        const statuses = await Promise.race([Promise.all(saves), waitFor(() => killed, 20_000, 'the kill')]);
        if (Array.isArray(statuses)) answered += statuses.filter((status) => status === 200).length;
        killed ??= gateway.kill();
        await killed;
        watcher?.close();
        await Promise.all(saves);
        if (tempFiles().length > 0) killedWithTempFile++;

        for (const name of NAMES) {
          const text = readFileSync(join(folder, `${name}.ts`), 'utf8');
          const old = content(name, onDisk.get(name)!);
          const now = content(name, round);
          expect(
            text === old || text === now,
            `${name} after round ${round}: ${text.length} bytes, ending ${JSON.stringify(text.slice(-40))}`,
          ).toBe(true);
          if (text === now) newWritten++;
          else oldKept++;
          onDisk.set(name, text === now ? round : onDisk.get(name)!);
        }

        // Started again on the same folder: the stale temporary files are gone before the projects load, and each
        // handler answers the round of the file on disk.
        gateway = start();
        client = await logIn(gateway);
        expect(tempFiles()).toEqual([]);
        for (const name of NAMES) expect(await answerOf(client, name)).toBe(`${name} v${onDisk.get(name)}`);
      }
      // The kills did land mid-save: some with a save's temporary file on disk, some after a file was replaced.
      expect(killedWithTempFile).toBeGreaterThan(0);
      expect(newWritten + oldKept).toBe(ROUNDS * NAMES.length);

      // A save on the last restarted gateway goes through as usual.
      const { version } = (await client.file('p', pathOf('alpha'))).json;
      const saved = await client.post('/api/editor/save', { project: 'p', path: pathOf('alpha'), content: content('alpha', 99), version });
      expect(saved.status).toBe(200);
      expect(await answerOf(client, 'alpha')).toBe('alpha v99');
    } finally {
      await gateway.kill().catch(() => undefined); // already killed when a check failed between a kill and a restart
    }
    process.stdout.write(
      `editor-save-kill: ${ROUNDS} rounds, ${killedWithTempFile} killed with a temporary file on disk, ${answered} saves answered before the kill, ${newWritten} files new, ${oldKept} old\n`,
    );
  },
);
