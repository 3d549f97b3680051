import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkProjects } from '../../../cli/check.ts';
import { EVENTS } from '../../../engine/catalogue/events.ts';
import { scriptPattern, sidecarOf } from '../../../engine/catalogue/layout.ts';
import { checkSidecar } from '../../../engine/catalogue/sidecar-check.ts';
import { handlerTemplate, sidecarTemplate } from '../../../engine/catalogue/templates.ts';
import { classify } from '../../../engine/projects/resources.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A concrete path for an event's script pattern: `<name>` and `<view path>` filled in. */
function concrete(pattern: string): string {
  return pattern.replace('<view path>', 'main/panel').replace('<name>', 'sample');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('the event catalogue', () => {
  it('declares each event once, with a unique id and handler type', () => {
    expect(new Set(EVENTS.map((e) => e.id)).size).toBe(EVENTS.length);
    expect(new Set(EVENTS.map((e) => e.typeName)).size).toBe(EVENTS.length);
    for (const e of EVENTS) expect(e.id).toBe(`${e.family}/${e.event}`);
  });

  it('declares the eleven Session Events of seeds/002, the topic subscriber (seeds/003) and the component message handler', () => {
    const session = EVENTS.filter((e) => e.family === 'session').map((e) => e.event);
    expect(session.sort()).toEqual([
      'accelerometer',
      'auth-challenge',
      'barcode',
      'bluetooth',
      'form-submission',
      'keystroke',
      'message',
      'nfc',
      'page-startup',
      'push',
      'shutdown',
      'startup',
    ]);
    expect(EVENTS.filter((e) => e.family === 'component').map((e) => e.id)).toEqual(['component/message']);
  });

  it('is what the project loader reads: every declared script path classifies as a handler of its event', () => {
    for (const e of EVENTS) {
      const path = concrete(scriptPattern(e));
      expect(classify(path), path).toMatchObject({ kind: 'handler', id: e.id, sidecar: sidecarOf(e) !== undefined });
      if (sidecarOf(e)) expect(classify(path.replace(/\.ts$/, '.json')), path).toMatchObject({ kind: 'sidecar', id: e.id });
    }
  });

  it('accepts each sidecar example and refuses what its schema forbids, naming the key', () => {
    for (const e of EVENTS) {
      const schema = sidecarOf(e);
      if (!schema) continue;
      expect(checkSidecar(schema, schema.example), e.id).toBeUndefined();
      expect(checkSidecar(schema, { ...schema.example, bogus: 1 }), e.id).toMatch(/unknown key "bogus"/);
    }
    const keystroke = sidecarOf(EVENTS.find((e) => e.id === 'session/keystroke')!);
    expect(checkSidecar(keystroke, { mode: 'regex' })).toBe('"regex" is required when "mode" is "regex"');
    expect(checkSidecar(keystroke, { mode: 'keyDown' })).toBe('"key" or "code" is required for a single-key match');
    expect(checkSidecar(keystroke, { mode: 'regex', regex: '(' })).toMatch(/^"regex" is not a valid regular expression/);
    expect(checkSidecar(undefined, [])).toBe('must hold a JSON object');
  });

  it('gives every event a handler template that type-checks against docs/system.d.ts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'flint-templates-'));
    try {
      const dir = join(root, 'templates');
      mkdirSync(dir);
      writeFileSync(join(dir, 'project.json'), '{}');
      for (const e of EVENTS) {
        const path = join(dir, concrete(scriptPattern(e)));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, handlerTemplate(e, e.event));
        const sidecar = sidecarTemplate(e);
        if (sidecar) writeFileSync(path.replace(/\.ts$/, '.json'), sidecar);
      }
      expect(await checkProjects(root)).toEqual([]);
      // The check is real: a template with a wrong parameter type fails it.
      writeFileSync(
        join(dir, 'gateway-events/message/sample.ts'),
        'export default ((payload: number) => payload) satisfies Flint.GatewayMessageHandler;\n',
      );
      expect((await checkProjects(root)).map((d) => d.severity)).toContain('error');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is the only list of event names in engine/, api/ and cli/', () => {
    // Words that are also other things: `push` is a frame of the session protocol too.
    const names = EVENTS.map((e) => e.event).filter((name) => !['startup', 'shutdown', 'message', 'timer', 'push'].includes(name));
    const offenders: string[] = [];
    for (const dir of ['engine', 'api', 'cli']) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        if (file.includes(`${join('engine', 'catalogue')}`)) continue;
        const text = readFileSync(file, 'utf8');
        for (const name of names)
          if (text.includes(`'${name}'`) || text.includes(`"${name}"`)) offenders.push(`${file.slice(ROOT.length)}: ${name}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
