import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API } from '../../../engine/system/api.ts';
import { IMPLEMENTATIONS } from '../../../engine/system/services.ts';
import { generateReference } from '../../../engine/system/generate-docs.ts';
import { generateDts } from '../../../engine/system/generate-dts.ts';
import { GENERATED_FILES, GENERATED_SECTIONS, withSection } from '../../../engine/system/generated-files.ts';

describe('the system.* declaration', () => {
  it('matches the committed docs/system.d.ts (run `npm run generate` after changing api.ts)', () => {
    expect(readFileSync(GENERATED_FILES.dts, 'utf8')).toBe(generateDts(API));
  });

  it('matches the committed docs/reference.md (run `npm run generate` after changing api.ts)', () => {
    expect(readFileSync(GENERATED_FILES.reference, 'utf8')).toBe(generateReference(API));
  });

  it('has current generated sections in README.md, docs/projects.md and docs/protocol.md (run `npm run generate`)', () => {
    for (const section of GENERATED_SECTIONS) {
      const text = readFileSync(section.file, 'utf8');
      expect(withSection(text, section.name, section.content()), section.file).toBe(text);
    }
  });

  it('has a gateway implementation for exactly the functions that are not implemented inside the isolate', () => {
    const declared = API.functions
      .filter((f) => f.mode !== 'prelude')
      .map((f) => f.name)
      .sort();
    expect(Object.keys(IMPLEMENTATIONS).sort()).toEqual(declared);
  });

  it('declares every parameter with a doc sentence, and optional parameters after required ones', () => {
    for (const fn of API.functions) {
      expect(fn.doc.length, fn.name).toBeGreaterThan(10);
      let seenOptional = false;
      for (const p of fn.params) {
        expect(p.doc.length, `${fn.name}.${p.name}`).toBeGreaterThan(5);
        if (seenOptional) expect(p.optional, `${fn.name}.${p.name} follows an optional parameter`).toBe(true);
        seenOptional ||= !!p.optional;
      }
    }
  });

  it('lists sendMessage parameters in the order of seeds/001', () => {
    const fn = API.functions.find((f) => f.name === 'util.sendMessage')!;
    expect(fn.params.map((p) => p.name)).toEqual([
      'project',
      'messageHandler',
      'payload',
      'scope',
      'clientSessionId',
      'user',
      'hasRole',
      'hostName',
      'remoteServers',
    ]);
  });
});
