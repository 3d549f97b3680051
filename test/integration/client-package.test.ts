import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildClient } from '../../client/build.ts';
import { useGateway } from '../helpers/fixture.ts';

const t = useGateway({
  shop: {
    files: {
      'session-events/message/echo.ts': `export default function (session: any, payload: any) { return { echo: payload.text, user: session.props.userName }; }\n`,
    },
  },
});

// A throwaway consumer with flint installed as a package: package.json (its `exports`) and the build's output, as
// `npm install` leaves them, in the consumer's node_modules/flint.
let consumer: string;
beforeAll(async () => {
  consumer = mkdtempSync(join(tmpdir(), 'flint-consumer-'));
  const pkg = join(consumer, 'node_modules/flint');
  mkdirSync(pkg, { recursive: true });
  copyFileSync(new URL('../../package.json', import.meta.url), join(pkg, 'package.json'));
  await buildClient(join(pkg, 'dist'));
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
});
afterAll(() => rmSync(consumer, { recursive: true, force: true }));

describe('flint/client as a package', () => {
  it('is imported by name from Node and opens a real session', async () => {
    writeFileSync(
      join(consumer, 'main.mjs'),
      `import { connect } from 'flint/client';
const [url, project] = process.argv.slice(2);
const session = await connect({ url, project, reconnect: false });
const page = await session.openPage('/from-node');
const reply = await session.request('echo', { text: 'hi' });
console.log(JSON.stringify({ resolved: import.meta.resolve('flint/client'), sessionId: session.sessionId, props: session.props, page, reply }));
await session.logout();
`,
    );
    const http = await t.http();
    // The pinned Node that runs the tests (24): a consumer's own process, resolving `flint` the way Node does.
    const { stdout } = await promisify(execFile)(process.execPath, ['main.mjs', `${http.url.replace('http', 'ws')}/session`, 'shop'], {
      cwd: consumer,
      timeout: 20_000,
    });
    const out = JSON.parse(stdout);
    expect(out.resolved).toMatch(/\/node_modules\/flint\/dist\/client\/index\.js$/);
    expect(out.page).toMatchObject({ path: '/from-node', isNew: true });
    expect(out.reply).toEqual({ echo: 'hi', user: null });
    expect(out.props).toMatchObject({ id: out.sessionId, userName: null });
    await t.waitFor(() => t.logs((r) => r.message.startsWith(`session ${out.sessionId} ended`)).length === 1, 5000, 'the logout');
  });

  it("is bundled for browsers through the exports map, with nothing of Node's in it", async () => {
    const result = await esbuild.build({
      stdin: { contents: `import { connect } from 'flint/client'; export { connect };`, resolveDir: consumer },
      absWorkingDir: consumer,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(result.metafile.inputs)).toEqual(expect.arrayContaining(['node_modules/flint/dist/client/index.js']));
    const code = result.outputFiles[0].text;
    expect(code).toContain('registerHandler');
    expect(code).not.toMatch(/\brequire\(|from "node:|process\./);
  });

  it('has type declarations that TypeScript finds through the exports map', () => {
    const file = join(consumer, 'typed.ts');
    writeFileSync(
      file,
      `import { connect, FlintClientError, type FlintSession, type GatewayFrame } from 'flint/client';
export async function open(): Promise<FlintSession> {
  const session = await connect({ url: 'ws://localhost:8088/session', project: 'shop', userName: 'ada', password: 'secret' });
  session.onProps((frame: GatewayFrame<'props'>) => frame.key.length);
  const page: { pageId: string; isNew: boolean } = await session.openPage('/');
  // @ts-expect-error: connect requires a project (an \`any\` from a missing declaration would accept this)
  await connect({ url: 'ws://localhost:8088/session' });
  return page.isNew ? session : Promise.reject(new FlintClientError('X', 'no'));
}
`,
    );
    // A Node consumer without the DOM's types, and a bundler's (whose default libraries include the DOM).
    for (const options of [
      { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2022.d.ts'] },
      { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
    ]) {
      const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, types: [], ...options });
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      expect(problems).toEqual([]);
    }
  });
});
