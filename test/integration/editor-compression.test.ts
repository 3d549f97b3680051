import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';

const t = useGateway({ plant: { files: {} } });
const DIST = new URL('../../dist/editor/', import.meta.url).pathname;

/** A raw GET (fetch would decode the body itself): the status, headers and the bytes as they came. */
async function get(path: string, headers: Record<string, string>, method = 'GET') {
  const http = await t.http();
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request(`${http.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the editor page files, compressed at build time', () => {
  it('serves the gzip copy to a browser that accepts it, the same bytes once decoded, and a quarter of the size', async () => {
    let plainBytes = 0;
    let sentBytes = 0;
    for (const file of ['ts.worker.js', 'main.js', 'main.css', 'editor.worker.js', 'json.worker.js']) {
      const answer = await get(`/editor/${file}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding']).toBe('gzip');
      expect(answer.headers.vary).toContain('accept-encoding');
      expect(answer.headers['content-type']).toMatch(file.endsWith('.css') ? /^text\/css/ : /javascript/);
      const plain = readFileSync(`${DIST}${file}`);
      expect(gunzipSync(answer.body).equals(plain)).toBe(true);
      plainBytes += plain.length;
      sentBytes += answer.body.length;
    }
    expect(sentBytes).toBeLessThan(plainBytes / 3);
    process.stdout.write(
      `editor scripts and styles: ${(plainBytes / 1048576).toFixed(2)} MiB, ${(sentBytes / 1048576).toFixed(2)} MiB sent gzipped\n`,
    );
  });

  it('serves index.html compressed at /editor/ with the page headers, and the plain file to a client without gzip', async () => {
    const page = await get('/editor/', { 'accept-encoding': 'gzip' });
    expect(page.headers['content-encoding']).toBe('gzip');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(gunzipSync(page.body).toString()).toContain('<title>Flint editor</title>');
    const refusing: Record<string, string>[] = [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'gzip;q=0, br' }];
    for (const refused of refusing) {
      const answer = await get('/editor/main.js', refused);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.body.equals(readFileSync(`${DIST}main.js`))).toBe(true);
    }
    const head = await get('/editor/main.js', { 'accept-encoding': 'gzip' }, 'HEAD');
    expect([head.status, head.headers['content-encoding'], head.body.length]).toEqual([200, 'gzip', 0]);
  });

  it('redirects /editor to /editor/', async () => {
    const answer = await get('/editor', {});
    expect([answer.status, answer.headers.location]).toEqual([301, '/editor/']);
  });

  it('never serves a .gz file or a path outside the build by its own name', async () => {
    for (const path of ['/editor/main.js.gz', '/editor/../package.json', '/editor/%2e%2e/package.json', '/editor/nothing.js']) {
      const answer = await get(path, { 'accept-encoding': 'gzip' });
      expect(answer.headers['content-encoding'], path).toBeUndefined();
      expect(answer.body.toString(), path).not.toContain('"dependencies"');
    }
    for (const path of ['/editor/main.js.gz', '/editor/chunks/../main.js.gz'])
      expect((await get(path, { 'accept-encoding': 'gzip' })).status, path).toBe(404);
  });
});
