import { EVENT_TYPES } from '../catalogue/event-types.ts';
import { EVENTS } from '../catalogue/events.ts';
import { LIVE_OBJECTS, liveObjectDts } from '../catalogue/live-objects.ts';
import { typeToTs, type ApiDecl, type FunctionDecl } from './define.ts';

const HEADER = `// Generated from engine/system/api.ts and engine/catalogue/events.ts by \`npm run generate\`. Do not edit.
// Typings of what a Flint script sees: the global \`system\` API, timers, console, and the handler types under \`Flint\`.
`;

const GLOBALS = `
type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** Timers run inside the project's sandbox; they are cleared when their module reloads or the project unloads. */
declare function setTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number;
declare function clearTimeout(id: number | undefined): void;
declare function setInterval(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): number;
declare function clearInterval(id: number | undefined): void;
declare function queueMicrotask(callback: () => void): void;

/** console.* writes to the gateway log through the logger named "console". */
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};
`;

function functionDts(fn: FunctionDecl, indent: string): string {
  const params = fn.params.map((p) => `${p.name}${p.optional ? '?' : ''}: ${typeToTs(p.type)}`).join(', ');
  const docs = [
    fn.doc,
    ...fn.params.map((p) => `@param ${p.name} ${p.doc}${p.default !== undefined ? ` Default: ${JSON.stringify(p.default)}.` : ''}`),
  ];
  const name = fn.name.split('.').pop()!;
  const lines = [
    `${indent}/**`,
    ...docs.map((d) => `${indent} * ${d}`),
    `${indent} */`,
    `${indent}function ${name}(${params}): ${fn.returns};`,
  ];
  const named = namedOverload(fn);
  if (named)
    lines.push(
      `${indent}/** The same, with the optional arguments named (the seeds' keyword arguments). */`,
      `${indent}function ${name}(${named}): ${fn.returns};`,
    );
  return lines.join('\n');
}

/**
 * The parameters of the overload that names the trailing optional arguments in one object (engine/system/validate.ts
 * byPosition): from the first parameter that takes no object and after which all are optional.
 */
function namedOverload(fn: FunctionDecl): string | undefined {
  const at = fn.params.findIndex(
    (p, i) => p.type.type !== 'object' && p.type.type !== 'json' && fn.params.slice(i).every((q) => q.optional),
  );
  if (at < 0) return undefined;
  const before = fn.params.slice(0, at).map((p) => `${p.name}: ${typeToTs(p.type)}${p.optional ? ' | undefined' : ''}`);
  const named = fn.params.slice(at).map((p) => `${p.name}?: ${typeToTs(p.type)}`);
  return [...before, `named: { ${named.join('; ')} }`].join(', ');
}

export function generateDts(api: ApiDecl): string {
  const out: string[] = [HEADER, GLOBALS];
  for (const iface of api.interfaces) {
    out.push(
      `/** ${iface.doc} */\ninterface ${iface.name} {\n${iface.members.map((m) => `  /** ${m.doc} */\n  ${m.signature};`).join('\n')}\n}\n`,
    );
  }
  const namespaces = new Map<string, FunctionDecl[]>();
  for (const fn of api.functions.filter((f) => !f.internal)) {
    const ns = fn.name.split('.')[0];
    namespaces.set(ns, [...(namespaces.get(ns) ?? []), fn]);
  }
  out.push('declare namespace system {');
  for (const [ns, fns] of namespaces) out.push(`  namespace ${ns} {\n${fns.map((f) => functionDts(f, '    ')).join('\n')}\n  }`);
  out.push('}\n');
  out.push(
    '/** Types of the values handlers receive, and of the handlers themselves: `export default ((payload) => ...) satisfies Flint.GatewayMessageHandler`. */',
  );
  out.push('declare namespace Flint {');
  const types = [...Object.values(LIVE_OBJECTS).map(liveObjectDts), EVENT_TYPES.trim()].join('\n');
  out.push(
    types
      .split('\n')
      .map((l) => '  ' + l)
      .join('\n'),
  );
  for (const e of EVENTS) {
    const params = e.params.map((p) => `${p.name}: ${p.ts}`).join(', ');
    const returns = e.returns === 'void' ? 'void | Promise<void>' : `${e.returns} | Promise<${e.returns}>`;
    out.push(`  /** ${e.doc} */\n  type ${e.typeName} = (${params}) => ${returns};`);
  }
  out.push('}\n');
  return out.join('\n');
}
