/**
 * THE event catalogue: every kind of event a project's scripts handle, declared once, with its file layout, its
 * sidecar schema, its scope and its handler's parameters in the seeds' order (seeds/002 for Session Events). The
 * project loader (engine/projects/resources.ts), the handler index, event dispatch, docs/system.d.ts,
 * docs/reference.md, the layout tables of README.md and docs/projects.md and the editor's templates all read it.
 */
import type { EventDecl, EventParam, SidecarSchema } from './define.ts';

/** Keeps each id's literal type, so that EventId below names exactly the declared events. */
function event<Id extends string>(decl: EventDecl & { id: Id }): EventDecl & { id: Id } {
  return decl;
}

const TIMER_SIDECAR: SidecarSchema = {
  fields: {
    delayMs: { type: 'number', min: 10, max: 86_400_000, required: true, doc: 'Milliseconds between runs.' },
    mode: {
      type: 'enum',
      values: ['fixedDelay', 'fixedRate'],
      doc: '`fixedDelay` (default): the delay counts from the end of the previous run; `fixedRate`: runs start every delayMs, never overlapping.',
    },
    enabled: { type: 'boolean', doc: 'false stops the timer (default true).' },
  },
  example: { delayMs: 1000, mode: 'fixedDelay', enabled: true },
};

/** Most tag paths one tag-change script may follow (as many as one socket may bind, engine/sessions/tag-bindings.ts). */
const MAX_TAG_CHANGE_PATHS = 1000;

const TAG_CHANGE_SIDECAR: SidecarSchema = {
  fields: {
    paths: {
      type: 'strings',
      required: true,
      maxItems: MAX_TAG_CHANGE_PATHS,
      doc: "The tag paths whose changes run the script, such as `[default]Line 1/Speed`; without `[provider]` the project's `defaultTagProvider`. Each must be valid tag path syntax naming a tag (an optional `.Property` suffix is allowed).",
    },
    changeTypes: {
      type: 'enums',
      values: ['value', 'quality', 'timestamp'],
      doc: 'What a change must touch to run the script (default `["value", "quality"]`: a write of the same value with the same quality, which only moves the timestamp, does not run it).',
    },
    enabled: { type: 'boolean', doc: 'false stops the script from running (default true).' },
  },
  example: { paths: ['[default]New Tag 5'], changeTypes: ['value', 'quality'], enabled: true },
};

const PUSH_SIDECAR: SidecarSchema = {
  fields: {
    topic: {
      type: 'string',
      required: true,
      doc: 'The topic the script subscribes to: system.perspective.pushMessage with exactly this topic (case-sensitive) runs it.',
    },
    enabled: { type: 'boolean', doc: 'false stops the script from receiving pushes (default true).' },
  },
  example: { topic: 'OrderCreated', enabled: true },
};

const KEYSTROKE_SIDECAR: SidecarSchema = {
  fields: {
    mode: {
      type: 'enum',
      values: ['keyDown', 'keyUp', 'regex'],
      required: true,
      doc: 'A single key on key down or key up, or a regular expression over the typed keys.',
    },
    key: { type: 'string', doc: 'The `key` of a single-key match, such as `Enter`.' },
    code: { type: 'string', doc: 'The `code` of a single-key match, such as `KeyA`.' },
    regex: { type: 'regex', doc: 'For `regex` mode: the pattern matched against the buffered keys.' },
    bufferLength: { type: 'number', min: 1, max: 1000, doc: 'For `regex` mode: how many recent keys are kept and matched.' },
    capturePhase: { type: 'boolean', doc: 'Listen in the capture phase.' },
    preventDefault: { type: 'boolean', doc: 'Prevent the browser default for a matching key.' },
    stopPropagation: { type: 'boolean', doc: 'Stop a matching key event from propagating.' },
  },
  rules: [
    { when: { mode: 'regex' }, requireOneOf: ['regex'], message: '"regex" is required when "mode" is "regex"' },
    { when: { mode: { not: 'regex' } }, requireOneOf: ['key', 'code'], message: '"key" or "code" is required for a single-key match' },
  ],
  example: { mode: 'regex', regex: '[0-9]{12}@$', bufferLength: 13 },
};

const session: EventParam = {
  name: 'session',
  ts: 'Session',
  live: 'session',
  doc: 'The Perspective Session; `session.props` and `session.custom` hold its properties.',
};
const page: EventParam = {
  name: 'page',
  ts: 'Page',
  live: 'page',
  doc: 'The page; `page.props.pageId`, `page.props.path`, and `page.session`.',
};
const context: EventParam = { name: 'context', ts: 'JsonObject', doc: 'The user-defined context object of the action.', example: {} };

export const EVENTS = [
  event({
    id: 'gateway/startup',
    family: 'gateway',
    event: 'startup',
    scope: 'gateway',
    layout: { kind: 'single' },
    typeName: 'GatewayStartupHandler',
    params: [],
    returns: 'void',
    doc: 'Runs when the project loads: gateway start, project added or enabled, or its sandbox rebuilt.',
  }),
  event({
    id: 'gateway/shutdown',
    family: 'gateway',
    event: 'shutdown',
    scope: 'gateway',
    layout: { kind: 'single' },
    typeName: 'GatewayShutdownHandler',
    params: [],
    returns: 'void',
    doc: 'Runs when the project unloads: gateway stop, project removed or disabled.',
  }),
  event({
    id: 'gateway/message',
    family: 'gateway',
    event: 'message',
    scope: 'gateway',
    layout: { kind: 'named' },
    typeName: 'GatewayMessageHandler',
    params: [
      {
        name: 'payload',
        ts: 'JsonObject',
        doc: 'The payload passed to system.util.sendMessage or sendRequest.',
        example: { message: 'Hello' },
      },
    ],
    returns: 'unknown',
    doc: 'A gateway message handler; its return value answers system.util.sendRequest.',
  }),
  event({
    id: 'gateway/timer',
    family: 'gateway',
    event: 'timer',
    scope: 'gateway',
    layout: { kind: 'named', sidecar: TIMER_SIDECAR },
    typeName: 'GatewayTimerHandler',
    params: [],
    returns: 'void',
    doc: 'A gateway timer script; its sidecar sets the delay.',
  }),
  event({
    id: 'gateway/tag-change',
    family: 'gateway',
    event: 'tag-change',
    scope: 'gateway',
    layout: { kind: 'named', sidecar: TAG_CHANGE_SIDECAR },
    typeName: 'GatewayTagChangeHandler',
    params: [
      {
        name: 'initialChange',
        ts: 'boolean',
        doc: 'True for the one call per path when the script subscribes (loaded, sidecar changed, project started).',
      },
      { name: 'newValue', ts: 'QualifiedValue', doc: 'The new value with its quality, quality code and timestamp.' },
      {
        name: 'previousValue',
        ts: 'QualifiedValue | null',
        doc: 'The value before this change; null on the initial change and when the tag has just been defined.',
      },
      { name: 'event', ts: 'TagChangeEvent', doc: '`event.tagPath`: the canonical path that changed, `[provider]Folder/Tag`.' },
      { name: 'executionCount', ts: 'number', doc: 'How many times this script has run since it subscribed, this run included (1 first).' },
    ],
    returns: 'void',
    doc: 'A gateway tag change script; its sidecar lists the tag paths. Runs once per path when it subscribes, then once per change, in order, never overlapping itself.',
  }),
  event({
    id: 'session/startup',
    family: 'session',
    event: 'startup',
    scope: 'session',
    layout: { kind: 'single' },
    typeName: 'SessionStartupHandler',
    params: [session],
    returns: 'void',
    doc: 'Runs when a Session starts.',
  }),
  event({
    id: 'session/shutdown',
    family: 'session',
    event: 'shutdown',
    scope: 'session',
    layout: { kind: 'single' },
    typeName: 'SessionShutdownHandler',
    params: [session],
    returns: 'void',
    doc: 'Runs when a Session ends (timeout, lost authorization, project removed).',
  }),
  event({
    id: 'session/page-startup',
    family: 'session',
    event: 'page-startup',
    scope: 'page',
    layout: { kind: 'single' },
    typeName: 'PageStartupHandler',
    params: [page],
    returns: 'void',
    doc: 'Runs when a page starts in a new tab or window.',
  }),
  event({
    id: 'session/auth-challenge',
    family: 'session',
    event: 'auth-challenge',
    scope: 'session',
    layout: { kind: 'single' },
    typeName: 'AuthChallengeHandler',
    params: [
      session,
      {
        name: 'payload',
        ts: 'JsonValue',
        doc: 'The opaque payload of the Authentication Challenge action.',
        example: { reason: 'approve batch' },
      },
      {
        name: 'result',
        ts: 'AuthChallengeResult',
        doc: 'The Result object: isSuccess(), getAsSuccess(), isError(), getAsError().',
        // As data (engine/sandbox/live-wire.ts AuthResultData): success, cancelled, timeout or generic.
        example: { outcome: 'success' },
      },
    ],
    returns: 'void',
    doc: 'Runs when a user completes an authentication challenge.',
  }),
  event({
    id: 'session/message',
    family: 'session',
    event: 'message',
    scope: 'session',
    layout: { kind: 'named' },
    typeName: 'SessionMessageHandler',
    params: [session, { name: 'payload', ts: 'JsonObject', doc: 'The payload of system.util.sendMessage.', example: { message: 'Hello' } }],
    returns: 'unknown',
    doc: 'A Session message handler, reached by system.util.sendMessage / sendRequest with scope "S".',
  }),
  event({
    id: 'session/push',
    family: 'session',
    event: 'push',
    scope: 'session',
    layout: { kind: 'named', sidecar: PUSH_SIDECAR },
    typeName: 'SessionPushHandler',
    params: [
      session,
      {
        name: 'payload',
        ts: 'JsonValue',
        doc: 'The payload of system.perspective.pushMessage, unchanged (null included).',
        example: { orderId: 42 },
      },
      { name: 'topic', ts: 'string', doc: 'The topic it was pushed on.', example: 'OrderCreated' },
    ],
    returns: 'void',
    doc: 'A topic subscriber of the project: runs in every active session that system.perspective.pushMessage reaches, when its sidecar names the pushed topic.',
  }),
  event({
    id: 'session/keystroke',
    family: 'session',
    event: 'keystroke',
    scope: 'page',
    layout: { kind: 'named', sidecar: KEYSTROKE_SIDECAR },
    typeName: 'KeystrokeHandler',
    params: [
      page,
      {
        name: 'event',
        ts: 'KeystrokeEvent',
        doc: 'The KeyboardEvent details, and `matches` for regex matches.',
        example: {
          altKey: false,
          code: 'Enter',
          ctrlKey: false,
          isComposing: false,
          key: 'Enter',
          location: 0,
          metaKey: false,
          repeat: false,
          shiftKey: false,
          matches: [],
        },
      },
    ],
    returns: 'void',
    doc: 'Runs when a Session detects a key event matching the sidecar (single key or regex).',
  }),
  event({
    id: 'session/form-submission',
    family: 'session',
    event: 'form-submission',
    scope: 'session',
    layout: { kind: 'named' },
    typeName: 'FormSubmissionHandler',
    params: [
      session,
      { name: 'data', ts: 'JsonObject', doc: 'The submitted form data.', example: { quantity: 5 } },
      { name: 'formContext', ts: 'JsonObject', doc: 'User-defined context of the submission.', example: {} },
      {
        name: 'sessionContext',
        ts: 'JsonObject',
        doc: 'Session data captured at submission: timestamp, user, device, location.',
        example: { timestamp: 1700000000000 },
      },
      { name: 'retry', ts: 'boolean', doc: 'True when this is a resubmission after a failure.', example: false },
    ],
    returns: 'FormSubmissionResponse | void',
    doc: 'Runs when a form is submitted; the return value is the response shown to the user.',
  }),
  event({
    id: 'session/barcode',
    family: 'session',
    event: 'barcode',
    scope: 'session',
    layout: { kind: 'single' },
    typeName: 'BarcodeHandler',
    params: [
      session,
      {
        name: 'data',
        ts: 'BarcodeData',
        doc: '`data.text`, `data.timestamp`, `data.barcodeType`.',
        example: { text: '012345678905', timestamp: 1700000000000, barcodeType: 'UPC-A' },
      },
      context,
    ],
    returns: 'void',
    doc: 'Runs when the mobile app scans a barcode.',
  }),
  event({
    id: 'session/bluetooth',
    family: 'session',
    event: 'bluetooth',
    scope: 'session',
    layout: { kind: 'single' },
    typeName: 'BluetoothHandler',
    params: [
      session,
      {
        name: 'data',
        ts: 'BluetoothData',
        doc: 'Buffered advertising data: `data.values` (iBeacon, Eddystone, AltBeacon).',
        example: {
          values: [
            {
              rssi: -60,
              timestamp: 1700000000000,
              iBeacon: { uuid: 'E2C56DB5-DFFB-48D2-B060-D0F5A71096E0', major: 1, minor: 2, txPower: -59 },
            },
          ],
        },
      },
    ],
    returns: 'void',
    doc: 'Runs when the mobile app receives Bluetooth advertising data.',
  }),
  event({
    id: 'session/accelerometer',
    family: 'session',
    event: 'accelerometer',
    scope: 'session',
    layout: { kind: 'single' },
    typeName: 'AccelerometerHandler',
    params: [
      session,
      {
        name: 'data',
        ts: 'AccelerometerData',
        doc: 'Batched readings: `data.values.data` rows with x, y, z.',
        example: { values: { data: [{ x: 0.01, y: 0.02, z: 9.81, timestamp: 1700000000000 }] } },
      },
      context,
    ],
    returns: 'void',
    doc: 'Runs when batched accelerometer data arrives.',
  }),
  event({
    id: 'session/nfc',
    family: 'session',
    event: 'nfc',
    scope: 'session',
    layout: { kind: 'single' },
    typeName: 'NfcHandler',
    params: [
      session,
      {
        name: 'data',
        ts: 'NdefRecord[]',
        doc: 'NDEF records: type, typeNameFormat, payload, string, bytes.',
        example: [{ type: 'T', typeNameFormat: 1, string: 'hello' }],
      },
      context,
    ],
    returns: 'void',
    doc: 'Runs when the mobile app scans an NFC tag.',
  }),
  event({
    id: 'component/message',
    family: 'component',
    event: 'message',
    scope: 'component',
    layout: { kind: 'view' },
    typeName: 'ComponentMessageHandler',
    params: [
      { name: 'self', ts: 'Component', live: 'component', doc: 'The component whose message handler runs.' },
      { name: 'payload', ts: 'JsonObject', doc: 'The payload of system.perspective.sendMessage.', example: { message: 'Hello' } },
    ],
    returns: 'void',
    doc: "A view component's message handler, reached by system.perspective.sendMessage.",
  }),
];

/** The key of an event in the handler index: `gateway/message`, `session/keystroke`, `component/message`... */
export type EventId = (typeof EVENTS)[number]['id'];

const BY_ID = new Map<string, EventDecl>(EVENTS.map((e) => [e.id, e]));

/** The declaration of an event, by id (for ids from outside the type system, such as a file path). */
export function eventById(id: string): EventDecl | undefined {
  return BY_ID.get(id);
}
