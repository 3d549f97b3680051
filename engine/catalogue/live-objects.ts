/**
 * The live objects handlers receive (seeds/002, seeds/000): which fields a script may read, which it may write, and
 * which other live objects they reach. Writes to `readOnly` fields are refused; writes to the rest flow back to the
 * gateway. The typings read this (readonly modifiers), and so will the sandbox bindings of the sessions issue.
 */
import type { LiveObjectDecl, LiveObjectName } from './define.ts';

const ro = (name: string, ts: string, doc: string) => ({ name, ts, doc, readOnly: true });

export const LIVE_OBJECTS: Record<LiveObjectName, LiveObjectDecl> = {
  session: {
    name: 'session',
    typeName: 'Session',
    doc: 'A Perspective Session: `session.props` are owned by the gateway, `session.custom` by the project.',
    fields: [],
    groups: [
      {
        name: 'props',
        doc: 'Properties of the session, set by the gateway.',
        open: false,
        fields: [
          ro('id', 'string', 'The session id.'),
          ro('userName', 'string | null', 'The logged-in user, or null for an anonymous session.'),
          ro('roles', 'string[]', 'The roles of the logged-in user.'),
          ro('host', 'string', 'The network address of the client.'),
          ro('userAgent', 'string', "The client's user agent."),
          ro('device', 'JsonObject', 'What the client said about its device.'),
        ],
      },
      {
        name: 'custom',
        doc: 'Custom session properties: any key, JSON values; writes reach the session and its clients.',
        open: true,
        fields: [],
      },
    ],
    links: [],
  },
  page: {
    name: 'page',
    typeName: 'Page',
    doc: 'A page of a session (a browser tab or window).',
    fields: [],
    groups: [
      {
        name: 'props',
        doc: 'Properties of the page, set by the gateway.',
        open: false,
        fields: [ro('pageId', 'string', 'The page id.'), ro('path', 'string', 'The page path, such as `/`.')],
      },
    ],
    links: [{ name: 'session', object: 'session', doc: 'The session the page belongs to: the same object a session event gets.' }],
  },
  component: {
    name: 'component',
    typeName: 'Component',
    doc: 'A component of a mounted view.',
    fields: [ro('name', 'string', "The component's name in its view.")],
    groups: [
      { name: 'props', doc: "The component's properties; writes reach the client showing it.", open: true, fields: [] },
      { name: 'custom', doc: "The component's custom properties.", open: true, fields: [] },
    ],
    links: [{ name: 'page', object: 'page', doc: 'The page showing the view.' }],
  },
};

/** The interface of a live object in system.d.ts: `readonly` where a write would be refused. */
export function liveObjectDts(decl: LiveObjectDecl): string {
  const field = (f: { name: string; ts: string; doc: string; readOnly: boolean }, indent: string) =>
    `${indent}/** ${f.doc} */\n${indent}${f.readOnly ? 'readonly ' : ''}${f.name}: ${f.ts};`;
  const lines = [`/** ${decl.doc} */`, `interface ${decl.typeName} {`];
  for (const f of decl.fields) lines.push(field(f, '  '));
  for (const group of decl.groups) {
    const members = group.fields.map((f) => field(f, '    '));
    if (group.open) members.push('    [name: string]: unknown;');
    lines.push(`  /** ${group.doc} */`, `  readonly ${group.name}: {`, ...members, '  };');
  }
  for (const link of decl.links) lines.push(`  /** ${link.doc} */`, `  readonly ${link.name}: ${LIVE_OBJECTS[link.object].typeName};`);
  lines.push('}');
  return lines.join('\n');
}
