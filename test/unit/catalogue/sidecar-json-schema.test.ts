// ajv (6, the JSON Schema validator ESLint brings) stands in for Monaco's JSON worker: both read draft-07.
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import type { SidecarField } from '../../../engine/catalogue/define.ts';
import { EVENTS } from '../../../engine/catalogue/events.ts';
import { sidecarOf } from '../../../engine/catalogue/layout.ts';
import { checkSidecar } from '../../../engine/catalogue/sidecar-check.ts';
import { sidecarJsonSchema } from '../../../engine/catalogue/sidecar-json-schema.ts';

const withSidecars = EVENTS.flatMap((decl) => {
  const schema = sidecarOf(decl);
  return schema ? [{ decl, schema }] : [];
});

/** Values of a field's key that its check takes and refuses, so both sides are tried on the edges. */
function samples(field: SidecarField): unknown[] {
  const common = [null, {}, [], 'x', '', 0, true];
  switch (field.type) {
    case 'number':
      return [...common, field.min, field.max, field.min - 1, field.max + 1, (field.min + field.max) / 2, '5'];
    case 'boolean':
      return [...common, false, 'true'];
    case 'string':
    case 'regex':
      return [...common, 'abc', '[0-9]+'];
    case 'strings':
      return [...common, ['a'], [''], ['a', 'b'], [1], Array.from({ length: (field.maxItems ?? 3) + 1 }, (_, i) => `p${i}`)];
    case 'enum':
      return [...common, ...field.values, field.values[0].toUpperCase()];
    case 'enums':
      return [...common, [field.values[0]], [field.values[0], field.values[0]], field.values, ['nope']];
  }
}

describe('sidecar JSON schemas made from the catalogue', () => {
  it('exist for every event with settings (timer, tag change, push, keystroke)', () => {
    expect(withSidecars.map((s) => s.decl.id).sort()).toEqual(['gateway/tag-change', 'gateway/timer', 'session/keystroke', 'session/push']);
  });

  for (const { decl, schema } of withSidecars) {
    it(`agree with the gateway's own check of a ${decl.id} sidecar on every edge case`, () => {
      const validate = new Ajv({ allErrors: true }).compile(sidecarJsonSchema(schema, decl.id));
      const values: unknown[] = [schema.example, {}, [], 'x', { ...schema.example, unknown: 1 }];
      for (const [key, field] of Object.entries(schema.fields)) {
        const { [key]: _dropped, ...without } = schema.example;
        values.push(without);
        for (const sample of samples(field)) values.push({ ...schema.example, [key]: sample });
      }
      for (const rule of schema.rules ?? [])
        for (const [key, want] of Object.entries(rule.when)) {
          const base = { ...schema.example, [key]: typeof want === 'string' ? want : `${want.not}-not` };
          const bare = Object.fromEntries(Object.entries(base).filter(([k]) => !rule.requireOneOf.includes(k)));
          values.push(bare, ...rule.requireOneOf.map((k) => ({ ...bare, [k]: 'a' })));
        }
      let checked = 0;
      for (const value of values) {
        const gateway = checkSidecar(schema, value);
        // A regular expression that does not compile is the gateway's to say (the schema's "regex" format is a hint).
        if (gateway?.includes('not a valid regular expression')) continue;
        expect(validate(value), `${JSON.stringify(value)}: gateway says ${gateway ?? 'fine'}`).toBe(gateway === undefined);
        checked++;
      }
      expect(checked).toBeGreaterThan(20);
    });
  }

  it('describe every key with its doc, and mark the required ones', () => {
    const timer = withSidecars.find((s) => s.decl.id === 'gateway/timer')!;
    const json = sidecarJsonSchema(timer.schema, 'gateway/timer') as {
      properties: Record<string, { description: string }>;
      required: string[];
    };
    expect(json.required).toEqual(['delayMs']);
    expect(json.properties.delayMs).toMatchObject({ type: 'number', minimum: 10, description: timer.schema.fields.delayMs.doc });
    expect(json.properties.mode).toMatchObject({ enum: ['fixedDelay', 'fixedRate'] });
  });
});
