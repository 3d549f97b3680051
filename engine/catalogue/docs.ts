import { EVENTS } from './events.ts';
import { scriptPattern, sidecarKeys, sidecarOf } from './layout.ts';

const code = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``;
const paramList = (names: string[]) => (names.length ? names.map((n) => `\`${n}\``).join(', ') : '(none)');

/** The table of project files for README.md and docs/projects.md: one row per event, then the files that are not scripts. */
export function layoutTable(): string {
  const rows = ['| path | what it is | parameters of the default export | settings (sidecar `<name>.json`) |', '| --- | --- | --- | --- |'];
  for (const e of EVENTS) {
    const schema = sidecarOf(e);
    rows.push(
      `| ${code(scriptPattern(e))} | ${e.doc} | ${paramList(e.params.map((p) => p.name))} | ${schema ? sidecarKeys(schema) : ''} |`,
    );
  }
  rows.push(
    '| `project.json` | the project: title, description, enabled, isolated, limits, sessionTimeoutMs, allowAnonymous, defaultTagProvider, databases | | |',
    '| `views/<view path>/view.json` | a view: components with their props, message handlers, event scripts and tag-bound props (`bindings`) | | |',
    '| `named-queries/<path>.sql` + `<path>.json` | a named query (folders allowed: `Reports/Daily`) and its settings: `type`, `database`, `parameters` (docs/database.md) | | |',
    '| `lib/**/*.ts` | modules that handlers import by relative path | | |',
  );
  return rows.join('\n');
}

/** The handler signatures of docs/reference.md: id, scope, file, parameters (live objects marked), return type. */
export function eventReference(): string {
  const out = ['| event | runs for | script | parameters | returns |', '| --- | --- | --- | --- | --- |'];
  for (const e of EVENTS) {
    const params = e.params.map((p) => (p.live ? `\`${p.name}\` (live)` : `\`${p.name}\``)).join(', ') || '(none)';
    out.push(`| \`${e.id}\` | ${e.scope} | ${code(scriptPattern(e))} | ${params} | ${code(e.returns)} |`);
  }
  out.push(
    '',
    'Live parameters are objects whose writable properties take effect on the gateway (see the `Flint` types in `docs/system.d.ts`; `readonly` ones refuse writes); the others are copies.',
    '',
  );
  for (const e of EVENTS) {
    const schema = sidecarOf(e);
    if (!schema) continue;
    out.push(
      `## Settings of \`${e.id}\` scripts`,
      '',
      `A sidecar \`<name>.json\` beside the script, for example \`${JSON.stringify(schema.example)}\`.`,
      '',
    );
    out.push('| key | type | required | description |', '| --- | --- | --- | --- |');
    for (const [key, field] of Object.entries(schema.fields)) {
      const type =
        field.type === 'enum'
          ? field.values.map((v) => `\`"${v}"\``).join(' \\| ')
          : field.type === 'enums'
            ? `list of ${field.values.map((v) => `\`"${v}"\``).join(', ')}`
            : field.type === 'number'
              ? `number ${field.min}–${field.max}`
              : field.type === 'strings' && field.maxItems !== undefined
                ? `strings (at most ${field.maxItems})`
                : field.type;
      out.push(`| \`${key}\` | ${type} | ${field.required ? 'yes' : 'no'} | ${field.doc} |`);
    }
    for (const rule of schema.rules ?? []) out.push('', `Also: ${rule.message}.`);
    out.push('');
  }
  return out.join('\n');
}
