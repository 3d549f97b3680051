import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useGateway } from '../helpers/fixture.ts';

const t = useGateway({ shop: { files: {} } });

/** A GET of `path` exactly as written (fetch would resolve `%2e%2e` before sending it, as browsers do). */
async function get(path: string) {
  const { port } = await t.http();
  return new Promise<{ status: number; type: string; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] ?? '', headers: res.headers, text }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the session page', () => {
  it('is served for a project, with its page path, under a policy that allows only its own origin', async () => {
    for (const path of ['/session/shop', '/session/shop/', '/session/shop/line/1']) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.type).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("default-src 'none'; script-src 'self'");
    }
    const { text } = await get('/session/shop');
    // Everything the page loads comes from the gateway itself.
    const urls = [...text.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls).toEqual(['/session-page/style.css', '/session-page/app.js']);
  });

  it('serves its script, bundled with the client SDK, and its style', async () => {
    const script = await get('/session-page/app.js');
    expect(script.status).toBe(200);
    expect(script.type).toBe('text/javascript; charset=utf-8');
    expect(script.text).toContain('registerHandler');
    expect(script.text).not.toMatch(/^\s*import\s/m);
    const style = await get('/session-page/style.css');
    expect([style.status, style.type]).toEqual([200, 'text/css; charset=utf-8']);
  });

  it.each([
    ['/session/nowhere', 404, 'NOT_FOUND', 'project "nowhere" does not exist'],
    ['/session/..%2Fetc', 400, 'BAD_REQUEST', 'project "../etc" is not a valid name'],
    ['/session/%2e%2e', 400, 'BAD_REQUEST', 'project ".." is not a valid name'],
    ['/session/.hidden', 400, 'BAD_REQUEST', 'is not a valid name'],
    ['/session/a%00b', 400, 'BAD_REQUEST', 'is not a valid name'],
    [`/session/${'x'.repeat(129)}`, 400, 'BAD_REQUEST', 'is not a valid name'],
    ['/session/%E0%A4%A', 400, 'BAD_REQUEST', 'not valid percent-encoding'],
    ['/session/shop/%E0%A4%A', 400, 'BAD_REQUEST', 'not valid percent-encoding'],
    ['/session/', 404, 'NOT_FOUND', 'no route'],
    ['/session-page/app.ts', 404, 'NOT_FOUND', 'no route'],
  ])('answers GET %s with %i %s, and the gateway still answers', async (path, status, code, message) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.text)).toMatchObject({ code, message: expect.stringContaining(message) });
    expect((await get('/health')).status).toBe(200);
  });
});
