import { NAME_SEGMENT } from '../names.ts';
import type { TypeDesc } from '../system/define.ts';
import { MAX_ID } from './frame-reader.ts';
import { CLIENT_FRAMES, GATEWAY_FRAMES, PROTOCOL_VERSION, type ClientFrameType, type GatewayFrameType } from './protocol.ts';

interface FieldDoc {
  readonly type: TypeDesc;
  readonly optional?: boolean;
  readonly doc: string;
}

interface FrameDoc {
  readonly doc: string;
  readonly fields: Readonly<Record<string, FieldDoc>>;
  readonly reply?: string;
}

/**
 * Declared frames this gateway does not act on yet, and why: docs/protocol.md marks them reserved rather than
 * describing them as working. A client frame here is answered with BAD_REQUEST "... is not supported by this gateway
 * yet" (engine/sessions/connection.ts); a gateway frame here is never sent. test/unit/sessions/protocol-docs.test.ts
 * checks the client list against what a Connection answers, so it fails once one of them starts to work.
 */
export const NOT_YET_SUPPORTED: {
  readonly client: Partial<Record<ClientFrameType, string>>;
  readonly gateway: Partial<Record<GatewayFrameType, string>>;
} = {
  // Every declared frame works today; a frame declared ahead of its implementation goes here, with why.
  client: {},
  gateway: {},
};

/** Patterns shown by what they mean rather than as a regular expression. */
const NAMED_PATTERNS: Record<string, string> = {
  [`^${NAME_SEGMENT}$`]: 'a [name](#names)',
  [`^${NAME_SEGMENT}(/${NAME_SEGMENT}){0,15}$`]: '1 to 16 [names](#names) joined by `/`',
};

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** How a field's type reads in the frame tables: the JSON type, then its constraints. */
export function describeType(desc: TypeDesc): string {
  switch (desc.type) {
    case 'string': {
      const limits: string[] = [];
      if (desc.pattern !== undefined) limits.push(NAMED_PATTERNS[desc.pattern] ?? `matching \`/${desc.pattern}/\``);
      if (desc.minLength !== undefined && desc.maxLength !== undefined) limits.push(`${desc.minLength} to ${desc.maxLength} characters`);
      else if (desc.maxLength !== undefined) limits.push(`at most ${desc.maxLength} characters`);
      else if (desc.minLength !== undefined) limits.push(`at least ${desc.minLength} characters`);
      return limits.length ? `string, ${limits.join(', ')}` : 'string';
    }
    case 'number': {
      const kind = desc.integer ? 'integer' : 'number';
      if (desc.min !== undefined && desc.max !== undefined) return `${kind} from ${desc.min} to ${desc.max}`;
      return kind;
    }
    case 'boolean':
      return 'boolean';
    case 'json':
      return 'any JSON value';
    case 'object':
      return 'object';
    case 'array': {
      const counts = [
        desc.minItems !== undefined && `at least ${desc.minItems}`,
        desc.maxItems !== undefined && `at most ${desc.maxItems}`,
      ];
      const limit = counts.filter(Boolean).join(' and ');
      return `array${limit ? ` of ${limit}` : ''} of ${describeType(desc.items)}`;
    }
    case 'enum':
      return `one of ${desc.values.map((v) => `\`"${v}"\``).join(', ')}`;
    case 'function':
      return `function ${desc.signature}`;
  }
}

function frameSection(name: string, frame: FrameDoc, direction: 'client' | 'gateway'): string[] {
  const reserved = (NOT_YET_SUPPORTED[direction] as Record<string, string | undefined>)[name];
  const out = [`#### \`${name}\``, ''];
  if (reserved !== undefined) {
    out.push(
      direction === 'client'
        ? `**Reserved: not supported by this gateway yet** (${reserved}). The gateway checks the frame against the fields below, then refuses it with \`BAD_REQUEST\`.`
        : `**Reserved: not sent by this gateway yet** (${reserved}).`,
      '',
    );
  }
  out.push(frame.doc, '');
  const fields = Object.entries(frame.fields);
  if (fields.length === 0)
    out.push(direction === 'client' ? 'No fields besides `v`, `type` and `id`.' : 'No fields besides `v` and `type`.');
  else {
    out.push('| field | type | required | description |', '| --- | --- | --- | --- |');
    for (const [field, decl] of fields)
      out.push(`| \`${field}\` | ${cell(describeType(decl.type))} | ${decl.optional ? 'no' : 'yes'} | ${cell(decl.doc)} |`);
  }
  if (frame.reply !== undefined) out.push('', `Reply value (when the frame has an \`id\`): ${frame.reply}.`);
  out.push('');
  return out;
}

function summary(frames: Readonly<Record<string, FrameDoc>>, direction: 'client' | 'gateway'): string[] {
  const reserved = NOT_YET_SUPPORTED[direction] as Record<string, string | undefined>;
  const rows = ['| frame | what it does |', '| --- | --- |'];
  for (const [name, frame] of Object.entries(frames)) {
    const mark = reserved[name] !== undefined ? ' *(reserved: not yet supported)*' : '';
    rows.push(`| [\`${name}\`](#${name.toLowerCase()}) | ${cell(frame.doc)}${mark} |`);
  }
  return rows;
}

/** The frame reference of docs/protocol.md, from the declarations in protocol.ts. */
export function protocolFrames(): string {
  const client: Readonly<Record<string, FrameDoc>> = CLIENT_FRAMES;
  const gateway: Readonly<Record<string, FrameDoc>> = GATEWAY_FRAMES;
  return [
    `Protocol version ${PROTOCOL_VERSION}. Every frame is a JSON object with \`v\` (always \`${PROTOCOL_VERSION}\`) and \`type\` (the frame's name below)`,
    `besides the fields listed. A client frame may also carry \`id\`, an integer from 1 to ${MAX_ID}: the gateway then`,
    'answers it with a `reply` frame carrying the same `id`. A client frame with a field not listed for its type is refused.',
    '',
    '### Client frames',
    '',
    ...summary(client, 'client'),
    '',
    ...Object.entries(client).flatMap(([name, frame]) => frameSection(name, frame, 'client')),
    '### Gateway frames',
    '',
    ...summary(gateway, 'gateway'),
    '',
    ...Object.entries(gateway).flatMap(([name, frame]) => frameSection(name, frame, 'gateway')),
  ]
    .join('\n')
    .trimEnd();
}
