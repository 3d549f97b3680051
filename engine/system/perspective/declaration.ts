import type { ServiceDecl } from '../define.ts';

/**
 * system.perspective.*: what scripts do to Perspective Sessions, their pages and the components on them. The
 * implementation is beside it in service.ts; this file is also bundled into every sandbox, so it imports nothing else.
 */
export const PERSPECTIVE: ServiceDecl = {
  namespace: 'perspective',
  functions: [
    {
      name: 'perspective.sendMessage',
      mode: 'sync',
      params: [
        {
          name: 'messageType',
          type: { type: 'string', minLength: 1, maxLength: 200 },
          doc: 'The message type that will be invoked. Message handlers configured within the project are listening for messages of a specific messageType.',
        },
        {
          name: 'payload',
          type: { type: 'object' },
          optional: true,
          default: {},
          doc: 'A JSON object passed to the message handlers as `payload`.',
        },
        {
          name: 'scope',
          type: { type: 'enum', values: ['session', 'page', 'view'] },
          optional: true,
          default: 'page',
          doc: 'The listening scope the message is delivered to: "session", "page" or "view". If omitted, "page" is used.',
        },
        {
          name: 'sessionId',
          type: { type: 'string', minLength: 1, maxLength: 200 },
          optional: true,
          doc: 'Identifier of the Session to target. If omitted, the current Session is used. When targeting a different session, the pageId parameter must be included.',
        },
        {
          name: 'pageId',
          type: { type: 'string', minLength: 1, maxLength: 200 },
          optional: true,
          doc: 'Identifier of the page to target. If omitted, the current page is used.',
        },
      ],
      returns: 'void',
      result: { type: 'json' },
      doc: 'Sends a message to the component message handlers (`messageHandlers` in a view.json) listening for `messageType` on `scope`, within one session: "view" reaches the view of the calling component, "page" every view mounted on the page, "session" every view of the session. It cannot reach session message handlers. The handlers run asynchronously to the calling script, as `(self, payload)`. From the gateway scope (outside a session) both sessionId and pageId must be supplied.',
    },
    {
      name: 'perspective.pushMessage',
      mode: 'sync',
      params: [
        {
          name: 'topic',
          type: { type: 'string', minLength: 1, maxLength: 200 },
          doc: 'The topic: only subscribers of exactly this topic (case-sensitive) receive the payload.',
        },
        {
          name: 'payload',
          type: { type: 'json' },
          optional: true,
          default: null,
          doc: "Any JSON value (null, a string, a number, a list, an object), delivered unchanged. At most the project's `limits.maxPushPayloadBytes` of JSON (default 64 KiB): it goes to every subscriber at once.",
        },
        {
          name: 'restrictToOwnSession',
          type: { type: 'boolean' },
          optional: true,
          default: false,
          doc: 'Deliver only to subscribers in the session of the calling script. A script outside any session (gateway scope) cannot, and gets BAD_ARGUMENT.',
        },
        {
          name: 'permissions',
          type: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 100 },
          optional: true,
          default: null,
          doc: "Roles a subscriber's session user must have; none (the default) lets every session receive it.",
        },
        {
          name: 'permissionMatch',
          type: { type: 'enum', values: ['all', 'any'] },
          optional: true,
          default: 'all',
          doc: '"all" (default): the user must have every role of `permissions`; "any": one of them is enough.',
        },
      ],
      returns: 'number',
      result: { type: 'number', integer: true },
      doc: "Pushes a payload to every subscriber of `topic` active at this moment in the project's sessions: client-side handlers registered with the SDK's `subscribe(topic, handler)`, and the project's topic subscriber scripts (`session-events/push/<name>.ts` whose sidecar names the topic), run once per session as `(session, payload, topic)`. Returns how many subscribers it reached. Subscribers that are not active when it is called never receive it.",
    },
    {
      name: 'perspective.authenticationChallenge',
      mode: 'sync',
      params: [
        {
          name: 'payload',
          type: { type: 'json' },
          optional: true,
          default: null,
          doc: 'An opaque payload, given to the auth-challenge script as `payload` once the challenge ends.',
        },
        {
          name: 'timeout',
          type: { type: 'number', min: 0.01, max: 60 },
          optional: true,
          default: 1,
          doc: 'Minutes the user has to answer before the challenge ends as a timeout.',
        },
      ],
      returns: 'string',
      result: { type: 'string' },
      doc: "Challenges the user of the calling session to authenticate again (the Authentication Challenge action, seeds/002): the session's clients show a prompt; when the user answers with a valid user name and password of the gateway's users, cancels, or lets it time out, `session-events/auth-challenge` runs as `(session, payload, result)`. Returns the challenge id. Only from a session's script: a gateway script gets BAD_ARGUMENT.",
    },
    {
      name: 'perspective.getSessionInfo',
      mode: 'sync',
      params: [
        {
          name: 'usernameFilter',
          type: { type: 'string', minLength: 1, maxLength: 200 },
          optional: true,
          doc: 'Only the sessions of this logged-in user.',
        },
        {
          name: 'projectFilter',
          type: { type: 'string', minLength: 1, maxLength: 200 },
          optional: true,
          doc: "Only the sessions of this project. A script sees only its own project's sessions, so another project gives an empty list.",
        },
      ],
      returns: 'SessionInfo[]',
      result: { type: 'array', items: { type: 'object' } },
      doc: "Returns the live sessions of the calling script's project (a script never sees another project's sessions), optionally only those of one user.",
    },
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
  interfaces: [
    {
      name: 'SessionInfo',
      doc: 'One session, as system.perspective.getSessionInfo describes it.',
      members: [
        { signature: 'id: string', doc: 'The session id (`session.props.id`).' },
        { signature: 'userName: string | null', doc: 'The logged-in user, or null for an anonymous session.' },
        { signature: 'roles: string[]', doc: "The user's roles." },
        { signature: 'project: string', doc: 'The project.' },
        { signature: 'clientAddress: string', doc: 'The network address of the client (`session.props.host`).' },
        { signature: 'userAgent: string', doc: "The client's user agent." },
        { signature: 'pageIds: string[]', doc: 'The ids of the open pages.' },
        { signature: 'pages: { pageId: string; path: string }[]', doc: 'The open pages with their paths.' },
        { signature: 'connected: boolean', doc: 'Whether a client is connected now (a session outlives its socket for its timeout).' },
        { signature: 'uptimeMs: number', doc: 'Milliseconds since the session started.' },
      ],
    },
  ],
};
