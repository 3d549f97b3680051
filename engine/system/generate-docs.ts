import { eventReference } from '../catalogue/docs.ts';
import { typeToTs, type ApiDecl } from './define.ts';

/** The one-line-per-function table of README.md: the signature (optional parameters with `?`, defaults shown) and its doc. */
export function functionTable(api: ApiDecl): string {
  const rows = ['| function | what it does |', '| --- | --- |'];
  for (const fn of api.functions.filter((f) => !f.internal)) {
    const params = fn.params
      .map((p) => (p.default !== undefined ? `${p.name} = ${JSON.stringify(p.default)}` : p.optional ? `${p.name}?` : p.name))
      .join(', ');
    rows.push(`| \`system.${fn.name}(${params})\` → \`${fn.returns.replace(/\|/g, '\\|')}\` | ${fn.doc.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

/** docs/reference.md: the system.* reference and the handler signatures, generated from the declarations. */
export function generateReference(api: ApiDecl): string {
  const out: string[] = [
    '# system.* reference',
    '',
    '<!-- Generated from engine/system/api.ts and engine/catalogue/events.ts by `npm run generate`. Do not edit. -->',
    '',
    'Every function validates its arguments inside the script and again in the gateway; a bad argument throws an error such as',
    '`system.util.sendMessage: argument 4 "scope" must match /^[CGS]+$/; received "X"`. Values cross into and out of the sandbox',
    'as JSON copies: functions, symbols, cycles, getters and non-finite numbers are refused with a clear error.',
    'What a function returns is checked in the gateway against its declared type before the script gets it.',
    '',
    '**Blocking calls.** A function marked *blocking* returns its value directly, without `await`: the script waits while',
    'the gateway answers, and the gateway and other projects run on meanwhile. The wait counts against the running',
    "handler's (or timer callback's) time limit, not its CPU budget, and ends a little before that limit with a `TIMEOUT`",
    "error the script can catch. A blocking call that only the caller's own project could answer fails with",
    '`PROJECT_UNAVAILABLE`. `system.util.sendRequest` is not blocking, unlike in the seeds: it returns a Promise, so that',
    'a handler can call a handler of its own project.',
    '',
  ];
  for (const fn of api.functions.filter((f) => !f.internal)) {
    const signature = fn.params.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(', ');
    out.push(
      `## system.${fn.name}(${signature})`,
      '',
      fn.doc,
      '',
      '| # | parameter | type | default | description |',
      '| --- | --- | --- | --- | --- |',
    );
    fn.params.forEach((p, i) => {
      const type = typeToTs(p.type).replace(/\|/g, '\\|');
      const pattern = p.type.type === 'string' && p.type.pattern ? ` matching \`/${p.type.pattern}/\`` : '';
      const dflt = p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : p.optional ? '(none)' : 'required';
      out.push(`| ${i + 1} | \`${p.name}\` | \`${type}\`${pattern} | ${dflt} | ${p.doc} |`);
    });
    const how = { async: ' (a Promise: `await` it)', sync: ' (a blocking call: the value itself, no `await`)' }[fn.mode as string] ?? '';
    out.push('', `Returns \`${fn.returns}\`${how}.`, '');
  }
  for (const iface of api.interfaces) {
    out.push(`## ${iface.name}`, '', iface.doc, '', ...iface.members.map((m) => `- \`${m.signature}\`: ${m.doc}`), '');
  }
  out.push(
    '# Handler signatures',
    '',
    "Each script's default export is called with these parameters, in this order (types under `Flint` in `docs/system.d.ts`).",
    '',
  );
  out.push(eventReference());
  return out.join('\n');
}
