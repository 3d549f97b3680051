import type { ServiceDecl } from '../define.ts';

/**
 * system.perspective.*: what scripts do to Perspective Sessions, their pages and the components on them. The
 * implementation is beside it in service.ts; this file is also bundled into every sandbox, so it imports nothing else.
 */
export const PERSPECTIVE: ServiceDecl = {
  namespace: 'perspective',
  functions: [
    {
      name: 'perspective.writeLive',
      mode: 'fire',
      internal: true,
      params: [
        { name: 'kind', type: { type: 'enum', values: ['session', 'page', 'component'] }, doc: 'The kind of live object.' },
        { name: 'ref', type: { type: 'string', minLength: 1, maxLength: 1000 }, doc: "The gateway's key for the object." },
        { name: 'group', type: { type: 'string', minLength: 1, maxLength: 100 }, doc: 'The group of properties, such as `custom`.' },
        { name: 'key', type: { type: 'string', minLength: 1, maxLength: 200 }, doc: 'The property.' },
        { name: 'op', type: { type: 'enum', values: ['set', 'delete'] }, doc: 'Set or delete the property.' },
        { name: 'value', type: { type: 'json' }, doc: 'The new value (null for a delete).' },
      ],
      returns: 'void',
      doc: 'Writes a property of a live object (`session.custom.x = 1` in a handler); the gateway applies it in order and pushes it to the clients showing it.',
    },
  ],
  interfaces: [],
};
